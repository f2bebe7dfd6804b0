// The photo model's input, made in the browser as signmnist.vision.images makes it in Python: grayscale
// (Pillow's integer luma), a square around the hand MediaPipe found (20% margin; the median grey past the
// edges), one view with the hand cut out onto black and one plain, each shrunk to 28x28 by Pillow's
// box-filter resampling ported line by line. Where no hand is found, the square around what stands out
// from a uniform border (trim_square), else the centred square. Every setting is Python's, given once by
// `configure(page)` from model.json's "page" (signmnist.web.site.page_config); tests/js/ checks the pure
// functions against Python's answers, tests/test_site.py the whole page in a browser.

const PRECISION_BITS = 22; // Pillow's fixed-point resampling (32 - 8 - 2), not a setting of ours
let C = null; // {bones, palm, hand: {box_margin, min_box, finger_width}, image: {trim_margin, fill_share, ...}}

/** Take the page's constants (model.json's "page"); every function below reads them. */
export function configure(page) {
  C = page;
}

/** RGBA pixels (Uint8ClampedArray, w*h*4, already flattened onto white) -> Pillow's "L": Uint8Array (h*w). */
export function toGray(rgba, w, h) {
  const out = new Uint8Array(w * h);
  for (let i = 0, j = 0; i < out.length; i++, j += 4) {
    out[i] = (rgba[j] * 19595 + rgba[j + 1] * 38470 + rgba[j + 2] * 7471 + 0x8000) >> 16;
  }
  return out;
}

function median(values) {
  // numpy's median of uint8 values (a float: the mean of the middle two)
  const counts = new Uint32Array(256);
  for (const v of values) counts[v]++;
  const n = values.length,
    at = (k) => {
      let s = 0;
      for (let v = 0; v < 256; v++) {
        s += counts[v];
        if (s > k) return v;
      }
      return 255;
    };
  return n % 2 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
}

function roundHalfEven(x) {
  const f = Math.floor(x);
  return x - f !== 0.5 ? Math.round(x) : f % 2 === 0 ? f : f + 1;
}

/** Square (top, left, side) around landmarks [[x, y, z] x21] plus a margin of their extent per side (geometry.hand_box). */
export function handBox(points, margin = C.hand.box_margin) {
  const xs = points.map((p) => p[0]),
    ys = points.map((p) => p[1]);
  const x0 = Math.min(...xs),
    x1 = Math.max(...xs),
    y0 = Math.min(...ys),
    y1 = Math.max(...ys);
  const side = Math.trunc(Math.max(Math.max(x1 - x0, y1 - y0) * (1 + 2 * margin), C.hand.min_box));
  return [Math.trunc((y0 + y1) / 2 - side / 2), Math.trunc((x0 + x1) / 2 - side / 2), side];
}

/** gray[top:top+side, left:left+side], `fill` where the box runs past the image (images.crop_box). */
function cropBox(gray, w, h, [top, left, side], fill) {
  const out = new Uint8Array(side * side).fill(fill);
  for (let y = Math.max(0, -top); y < side && top + y < h; y++) {
    for (let x = Math.max(0, -left); x < side && left + x < w; x++) out[y * side + x] = gray[(top + y) * w + left + x];
  }
  return out;
}

/** The hand drawn through its landmarks (palm polygon, fingers as thick lines, round joints), blurred:
 * Float32Array (h*w) in [0, 1] (hands.hand_mask, drawn by the canvas instead of Pillow). */
export function handMask(points, w, h, fingerWidth = C.hand.finger_width) {
  const xs = points.map((p) => p[0]),
    ys = points.map((p) => p[1]);
  const width = Math.max(
    2,
    Math.trunc(Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) * fingerWidth),
  );
  const canvas = new OffscreenCanvas(w, h),
    g = canvas.getContext("2d", { willReadFrequently: true });
  g.fillStyle = "#000";
  g.fillRect(0, 0, w, h);
  g.filter = `blur(${width / 4}px)`;
  g.fillStyle = g.strokeStyle = "#fff";
  g.lineWidth = width;
  g.beginPath();
  for (const [k, i] of C.palm.entries()) (k ? g.lineTo : g.moveTo).call(g, points[i][0], points[i][1]);
  g.closePath();
  g.fill();
  for (const [a, b] of C.bones) {
    g.beginPath();
    g.moveTo(points[a][0], points[a][1]);
    g.lineTo(points[b][0], points[b][1]);
    g.stroke();
  }
  for (const [x, y] of points) {
    g.beginPath();
    g.arc(x, y, width / 2, 0, 2 * Math.PI);
    g.fill();
  }
  const rgba = g.getImageData(0, 0, w, h).data,
    out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = rgba[4 * i] / 255;
  return out;
}

/** What stands out from a near-uniform border: {level, rows, cols}, or null for a busy border (images._standing_out). */
function standingOut(gray, w, h, tolerance = C.image.tolerance) {
  const edge = [];
  for (let x = 0; x < w; x++) for (const y of [0, 1, h - 2, h - 1]) edge.push(gray[y * w + x]);
  for (let y = 0; y < h; y++) for (const x of [0, 1, w - 2, w - 1]) edge.push(gray[y * w + x]);
  const level = median(edge);
  if (edge.filter((v) => Math.abs(v - level) > tolerance).length / edge.length > C.image.busy_border) return null;
  const rowHits = new Uint32Array(h),
    colHits = new Uint32Array(w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (Math.abs(gray[y * w + x] - level) > tolerance) {
        rowHits[y]++;
        colHits[x]++;
      }
  const rows = [...rowHits.keys()].filter((y) => rowHits[y] / w > C.image.stands_out);
  const cols = [...colHits.keys()].filter((x) => colHits[x] / h > C.image.stands_out);
  return { level, rows, cols };
}

/** Whether a hand on a uniform backdrop spans >= `share` of the height or width (images.fills_frame). */
export function fillsFrame(gray, w, h, share = C.image.fill_share) {
  const found = standingOut(gray, w, h);
  if (!found || !found.rows.length || !found.cols.length) return false;
  const { rows, cols } = found;
  return Math.max((rows.at(-1) - rows[0]) / h, (cols.at(-1) - cols[0]) / w) >= share;
}

/** A square around what stands out from a near-uniform border, else the centred square (images.trim_square). */
export function trimSquare(gray, w, h, margin = C.image.trim_margin) {
  const centred = () => {
    const s = Math.min(w, h);
    return cropBox(gray, w, h, [Math.trunc((h - s) / 2), Math.trunc((w - s) / 2), s], 0);
  };
  const found = standingOut(gray, w, h);
  if (!found) return [centred(), Math.min(w, h)];
  const { level, rows, cols } = found;
  if (
    !rows.length ||
    !cols.length ||
    rows.at(-1) - rows[0] < C.image.least_span * h ||
    cols.at(-1) - cols[0] < C.image.least_span * w
  )
    return [centred(), Math.min(w, h)];
  const side = Math.trunc(Math.max(rows.at(-1) - rows[0], cols.at(-1) - cols[0]) * (1 + 2 * margin)) + 1;
  const cy = Math.trunc((rows[0] + rows.at(-1)) / 2),
    cx = Math.trunc((cols[0] + cols.at(-1)) / 2);
  return [
    cropBox(gray, w, h, [cy - Math.trunc(side / 2), cx - Math.trunc(side / 2), side], roundHalfEven(level)),
    side,
  ];
}

const FILTERS = {
  box: [0.5, (x) => (x > -0.5 && x <= 0.5 ? 1 : 0)],
  bicubic: [
    2,
    (x) => {
      x = Math.abs(x);
      const a = -0.5;
      return x < 1 ? ((a + 2) * x - (a + 3)) * x * x + 1 : x < 2 ? (((x - 5) * x + 8) * x - 4) * a : 0;
    },
  ],
};

function coefficients(inSize, outSize, filter) {
  // Pillow's precompute_coeffs + normalize_coeffs_8bpc
  const [support0, f] = FILTERS[filter],
    scale = inSize / outSize,
    filterscale = Math.max(scale, 1);
  const support = support0 * filterscale,
    out = [];
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale,
      ss = 1 / filterscale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5)),
      xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    const k = [];
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const v = f((x + xmin - center + 0.5) * ss);
      k.push(v);
      ww += v;
    }
    out.push([
      xmin,
      k.map((v) => {
        const n = ww !== 0 ? v / ww : v;
        return Math.trunc(n < 0 ? -0.5 + n * (1 << PRECISION_BITS) : 0.5 + n * (1 << PRECISION_BITS));
      }),
    ]);
  }
  return out;
}

function clip8(v) {
  return v >= (1 << PRECISION_BITS) * 256 ? 255 : v <= 0 ? 0 : Math.floor(v / (1 << PRECISION_BITS));
}

/** A uint8 square (side*side) -> size*size by Pillow's resampling: box when shrinking, bicubic when growing. */
export function resize(square, side, size = 28) {
  if (side === size) return square;
  const coeffs = coefficients(side, size, side > size ? "box" : "bicubic");
  const across = new Uint8Array(side * size),
    out = new Uint8Array(size * size);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < size; x++) {
      // horizontal pass first, as Pillow does
      const [x0, k] = coeffs[x];
      let s = 1 << (PRECISION_BITS - 1);
      for (let i = 0; i < k.length; i++) s += square[y * side + x0 + i] * k[i];
      across[y * size + x] = clip8(s);
    }
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const [y0, k] = coeffs[y];
      let s = 1 << (PRECISION_BITS - 1);
      for (let i = 0; i < k.length; i++) s += across[(y0 + i) * size + x] * k[i];
      out[y * size + x] = clip8(s);
    }
  return out;
}

/** The box of the image with the hand cut out onto black (images._cutout): the mask drawn over the part of
 * the image inside the box only, not the whole frame (the same pixels; the mask ends inside the margin). */
function cutout(gray, w, h, points, [top, left, side]) {
  const y0 = Math.max(top, 0),
    x0 = Math.max(left, 0),
    y1 = Math.min(top + side, h),
    x1 = Math.min(left + side, w);
  const out = new Uint8Array(side * side);
  if (y1 <= y0 || x1 <= x0) return out;
  const rw = x1 - x0,
    rh = y1 - y0,
    mask = handMask(
      points.map(([x, y, z]) => [x - x0, y - y0, z]),
      rw,
      rh,
    );
  for (let y = 0; y < rh; y++)
    for (let x = 0; x < rw; x++) {
      out[(y0 - top + y) * side + x0 - left + x] = Math.floor(gray[(y0 + y) * w + x0 + x] * mask[y * rw + x] + 0.5);
    }
  return out;
}

/** The model's views, Uint8Array (V*size*size), of a grayscale image and its hand (null: none found).
 * masks: the model's view_masks (true: the hand cut out onto black). */
export function views(gray, w, h, points, masks, size = 28) {
  let squares;
  if (w === size && h === size) {
    // a dataset-sized image is its own view
    squares = masks.map(() => [gray, size]);
  } else if (points) {
    const box = handBox(points),
      fill = Math.trunc(median(gray));
    squares = masks.map((masked) => {
      return [masked ? cutout(gray, w, h, points, box) : cropBox(gray, w, h, box, fill), box[2]];
    });
  } else {
    const trimmed = trimSquare(gray, w, h);
    squares = masks.map(() => trimmed);
  }
  const out = new Uint8Array(masks.length * size * size);
  for (const [v, [sq, side]] of squares.entries()) out.set(resize(sq, side, size), v * size * size);
  return out;
}
