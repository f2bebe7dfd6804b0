// J and Z of signmnist.live.strokes, ported rule for rule (tests/js/ feeds it Python's recorded frames): the
// hand's movement is cut into episodes; when one ends, every window of it is compared with the letters'
// templates (the drawing fingertip's or the palm centre's path, resampled, centred, scaled, turned a little,
// either way round) and must be drawn with the letter's hand shape, by a hand that keeps its shape. Every
// constant and the templates come from Python (model.json's page.strokes).
import { median, palmLength, WRIST } from "./hand.mjs";

/** numpy's percentile (linear interpolation between the sorted values). */
function percentile(values, q) {
  const v = [...values].sort((a, b) => a - b),
    at = ((v.length - 1) * q) / 100,
    lo = Math.floor(at),
    hi = Math.min(lo + 1, v.length - 1);
  return v[lo] + (v[hi] - v[lo]) * (at - lo);
}

/** Window [i, j) of a path [[x, y], ...] resampled to n points along it, centred, unit RMS spread; null: still. */
function resampled(path, i, j, n) {
  const cum = [0];
  for (let k = i + 1; k < j; k++)
    cum.push(cum[cum.length - 1] + Math.hypot(path[k][0] - path[k - 1][0], path[k][1] - path[k - 1][1]));
  const total = cum[cum.length - 1],
    out = [];
  if (!(total > 0)) return null;
  let k = 0;
  for (let p = 0; p < n; p++) {
    const at = (total * p) / (n - 1);
    while (k < cum.length - 2 && cum[k + 1] <= at) k++; // the step the point lies on
    const step = cum[k + 1] - cum[k],
      f = step > 0 ? (at - cum[k]) / step : 0,
      a = path[i + k],
      b = path[i + k + 1];
    out.push([a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])]);
  }
  let mx = 0,
    my = 0;
  for (const [x, y] of out) {
    mx += x / n;
    my += y / n;
  }
  let spread = 0;
  for (const q of out) {
    q[0] -= mx;
    q[1] -= my;
    spread += (q[0] * q[0] + q[1] * q[1]) / n;
  }
  spread = Math.sqrt(spread);
  return spread > 0 ? out.map(([x, y]) => [x / spread, y / spread]) : null;
}

/** Degrees between the directions a resampled path starts and ends in (its first and last quarters). */
function turned(even) {
  const q = even.length >> 2,
    n = even.length;
  const a = [even[q][0] - even[0][0], even[q][1] - even[0][1]];
  const b = [even[n - 1][0] - even[n - 1 - q][0], even[n - 1][1] - even[n - 1 - q][1]];
  const cos = (a[0] * b[0] + a[1] * b[1]) / (Math.hypot(...a) * Math.hypot(...b) + 1e-12);
  return (Math.acos(Math.min(1, Math.max(-1, cos))) * 180) / Math.PI;
}

/** How far two hand forms are apart once b is turned to fit a best: RMS over the landmarks (strokes.unlike). */
function unlike(a, b) {
  let cross = 0,
    dot = 0;
  for (let i = 0; i < a.length; i++) {
    cross += b[i][0] * a[i][1] - b[i][1] * a[i][0];
    dot += b[i][0] * a[i][0] + b[i][1] * a[i][1];
  }
  const angle = Math.atan2(cross, dot),
    c = Math.cos(angle),
    s = Math.sin(angle);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const x = b[i][0] * c - b[i][1] * s,
      y = b[i][0] * s + b[i][1] * c;
    sum += (x - a[i][0]) ** 2 + (y - a[i][1]) ** 2;
  }
  return Math.sqrt(sum / a.length);
}

export class Strokes {
  constructor(labels, config) {
    // config: model.json's page.strokes
    this.c = config;
    this.letters = Object.keys(config.letters); // J, Z
    this.base = this.letters.map((k) => labels.indexOf(config.letters[k][0]));
    this.prepared = {};
    for (const k of this.letters) {
      const turns = [];
      for (let r = 0; r < 5; r++) turns.push((((-1 + r / 2) * config.turn) / 180) * Math.PI);
      this.prepared[k] = [];
      for (const t of config.templates[k]) {
        const even = resampled(t, 0, t.length, config.points);
        for (const a of turns)
          this.prepared[k].push(
            even.map(([x, y]) => [Math.cos(a) * x - Math.sin(a) * y, Math.sin(a) * x + Math.cos(a) * y]),
          );
      }
    }
    this.reset();
  }

  reset() {
    this.forget();
    this.tail = null; // {stroke, form}: the last stroke and its hand's form as it ended (the hand still has it)
  }

  forget() {
    // {t, tips: [[x, y] x 4] (J tip, Z tip, palm centre, wrist), palm, base: [p per letter], form: the hand's form}
    this.frames = [];
    this.moving = false;
    this.stillSince = null;
  }

  /** The last stroke, its `held` now, while the hand still has its shape; else null. */
  get holding() {
    return this.tail ? this.tail.stroke : null;
  }

  /** One frame: landmarks (or null), the model's probabilities (or null), its time -> the strokes it ended. */
  update(points, probs, t) {
    const c = this.c;
    if (!points || !probs || points.some((p) => !Number.isFinite(p[0]) || !Number.isFinite(p[1]))) {
      const last = this.frames[this.frames.length - 1];
      if (last && t - last.t < c.dropout) return [];
      return this.end(false);
    }
    const palm = palmLength(points);
    if (!(palm > 0)) return this.end(false);
    let cx = 0,
      cy = 0;
    for (const i of c.palm) {
      cx += points[i][0] / c.palm.length;
      cy += points[i][1] / c.palm.length;
    }
    const tips = [...this.letters.map((k) => points[c.letters[k][1]].slice(0, 2)), [cx, cy], points[WRIST].slice(0, 2)];
    const speed = this.speed(tips, palm, t);
    if (speed > c.jump) return [...this.end(false), ...this.update(points, probs, t)];
    const form = points.map((p) => [(p[0] - cx) / palm, (p[1] - cy) / palm]);
    this.frames.push({ t, tips, palm, base: this.base.map((b) => (b >= 0 ? probs[b] : 0)), form });
    if (this.frames.length > c.max_episode) this.frames.shift();
    this.held(form, t);
    return this.after(speed, t);
  }

  /** If this frame's hand form still has the last stroke's shape, the stroke is held until t; if not, its
   * hand is over. */
  held(form, t) {
    if (!this.tail) return;
    this.tail = this.sameHand(form, this.tail.form)
      ? { stroke: { ...this.tail.stroke, held: t }, form: this.tail.form }
      : null;
  }

  /** Two hand forms show one hand shape, however turned (strokes.same_hand). */
  sameHand(a, b) {
    return unlike(a, b) <= this.c.keep;
  }

  /** The stroke held over the episode's frames after it that still show its hand as its last frame shows it;
   * if all do, its hand is followed in the frames to come (Python's `_follow`). */
  follow(stroke, frames) {
    const ended = frames.filter((f) => f.t <= stroke.end),
      form = ended[ended.length - 1].form;
    let all = true;
    for (const f of frames.filter((f) => f.t > stroke.end)) {
      if (!this.sameHand(f.form, form)) {
        all = false;
        break;
      }
      stroke = { ...stroke, held: f.t };
    }
    this.tail = all ? { stroke, form } : null;
    return stroke;
  }

  speed(tips, palm, t) {
    const last = this.frames[this.frames.length - 1];
    if (!last || t <= last.t) return 0;
    let most = 0;
    tips.forEach((p, i) => {
      most = Math.max(most, Math.hypot(p[0] - last.tips[i][0], p[1] - last.tips[i][1]));
    });
    return most / palm / (t - last.t);
  }

  after(speed, t) {
    if (speed >= this.c.moving) {
      this.moving = true;
      this.stillSince = null;
      return [];
    }
    if (this.stillSince === null) this.stillSince = t;
    if (!this.moving) {
      this.frames = this.frames.slice(-1);
      return [];
    }
    return t - this.stillSince >= this.c.still_s ? this.end(true) : [];
  }

  end(keep) {
    const frames = this.frames,
      found = this.moving && frames.length > 2 ? this.find(frames) : [];
    this.forget();
    const held = found.map((stroke) => this.follow(stroke, frames)); // the last one's hand may go on
    if (keep) this.frames = frames.slice(-1);
    else this.tail = null;
    return held;
  }

  /** The path being drawn now ([[x, y], ...] pixels) once it has moved for MIN_S over MIN_SIZE palm lengths with
   * the hand keeping its shape, or null. */
  tracing() {
    const c = this.c,
      f = this.frames;
    if (!this.moving || f.length < 2 || f[f.length - 1].t - f[0].t < c.min_s) return null;
    const means = this.letters.map((_, k) => f.reduce((s, x) => s + x.base[k], 0) / f.length);
    let k = 0;
    for (let m = 1; m < means.length; m++) if (means[m] > means[k]) k = m;
    const path = f.map((x) => x.tips[k]),
      steps = path.slice(1).map((p, i) => Math.hypot(p[0] - path[i][0], p[1] - path[i][1]));
    const smooth = Math.max(...steps) <= c.smooth * steps.reduce((a, b) => a + b, 0); // a cut: one large step
    return means[k] >= c.base_min && smooth && this.drawn(f, k, k) ? path : null;
  }

  /** The strokes of an episode's frames: the best window, then the frames on either side of it. */
  find(frames) {
    const best = this.best(frames);
    if (!best) return [];
    const [stroke, i, j] = best;
    return [...this.find(frames.slice(0, i)), stroke, ...this.find(frames.slice(j))];
  }

  best(frames) {
    const c = this.c,
      n = frames.length,
      palm = median(frames.map((f) => f.palm));
    const candidates = [];
    this.letters.forEach((letter, k) => {
      const shares = [0];
      for (const f of frames) shares.push(shares[shares.length - 1] + f.base[k]);
      for (const point of [k, 2]) {
        const path = frames.map((f) => [f.tips[point][0] / palm, f.tips[point][1] / palm]);
        for (let i = 0; i < n; i++)
          for (let j = i + 3; j <= n; j++) {
            const seconds = frames[j - 1].t - frames[i].t;
            if (seconds < c.min_s || seconds > c.max_s || (shares[j] - shares[i]) / (j - i) < c.base_min) continue;
            const d = this.distance(path, i, j, letter);
            if (d <= c.max_distance) candidates.push([d, i, j, k, point]);
          }
      }
    });
    candidates.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3] || a[4] - b[4]);
    for (const [d, i, j, k, point] of candidates) {
      const window = frames.slice(i, j);
      if (this.drawn(window, k, point)) {
        const end = window[window.length - 1].t;
        const stroke = { letter: this.letters[k], start: window[0].t, end, distance: d,
                         path: window.map((f) => f.tips[k]), held: end }; // biome-ignore format: one stroke
        return [stroke, i, j];
      }
    }
    return null;
  }

  distance(path, i, j, letter) {
    const even = resampled(path, i, j, this.c.points);
    if (!even || (letter === "J" && turned(even) < this.c.hook)) return Infinity;
    let best = Infinity;
    for (const t of this.prepared[letter]) {
      let sum = 0;
      for (let p = 0; p < even.length; p++) sum += Math.hypot(even[p][0] - t[p][0], even[p][1] - t[p][1]);
      best = Math.min(best, sum / even.length);
    }
    return best;
  }

  /** The fingertip kept its distance from the wrist and the path spans MIN_SIZE palm lengths or more. */
  drawn(window, k, point) {
    const reach = window.map((f) => Math.hypot(f.tips[k][0] - f.tips[3][0], f.tips[k][1] - f.tips[3][1]) / f.palm);
    const palm = median(window.map((f) => f.palm));
    const xs = window.map((f) => f.tips[point][0] / palm),
      ys = window.map((f) => f.tips[point][1] / palm);
    const size = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
    return percentile(reach, 90) - percentile(reach, 10) <= this.c.rigid * median(reach) && size >= this.c.min_size;
  }
}
