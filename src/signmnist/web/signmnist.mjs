// The page's engine: MediaPipe's HandLandmarker (Tasks API, WebAssembly) finds the hand, preprocess.mjs
// makes the model's views, onnxruntime-web runs the exported model. Everything is loaded from this folder:
// no request leaves the static server. `window.signmnist` is the automation hook (ready, classifyUrl).

import { configure, fillsFrame, toGray, views } from "./preprocess.mjs";
import { applyHead } from "./teach.mjs";
import * as ort from "./vendor/ort/ort.wasm.min.mjs";
import { HandLandmarker } from "./vendor/tasks-vision/vision_bundle.mjs";

// meta: model.json (labels, preprocessing and "page", the constants shared with Python: the palm detector's
// least confidence, the retry's pad, the largest side a photo is read at, the side small images are upscaled
// to and the pad they get, all read from signmnist.vision by `signmnist web`)
let meta, session, photoHands, videoHands;
let head = null; // a head taught on this device (teach.mjs), or null: the model as it was exported

/** Read with a taught head from now on (null: the base model). */
export function useHead(taught) {
  head = taught;
}

/** A gzipped file of this folder, unpacked by the browser (signmnist web stores the large files gzipped). */
async function gunzip(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
}

/** Load the model's metadata, the ONNX session and the hand landmarker (image and video modes). */
export async function load(base = new URL("./", import.meta.url).href) {
  const [json, ortWasm, visionWasm, task] = await Promise.all([
    fetch(base + "model.json").then((r) => r.json()),
    gunzip(base + "vendor/ort/ort-wasm-simd-threaded.wasm.gz"),
    gunzip(base + "vendor/tasks-vision/wasm/vision_wasm_internal.wasm.gz"),
    gunzip(base + "hand_landmarker.task.gz"),
  ]);
  meta = json;
  configure(meta.page);
  ort.env.wasm.wasmPaths = base + "vendor/ort/"; // the loader script; its WebAssembly is given unpacked
  ort.env.wasm.wasmBinary = ortWasm;
  // Threads need a cross-origin isolated page (COOP/COEP headers); a plain static server gets one.
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  session = await ort.InferenceSession.create(base + "model.onnx", { executionProviders: ["wasm"] });
  const fileset = {
    wasmLoaderPath: base + "vendor/tasks-vision/wasm/vision_wasm_internal.js",
    wasmBinaryPath: URL.createObjectURL(new Blob([visionWasm], { type: "application/wasm" })),
  };
  const options = (runningMode) => ({
    baseOptions: { modelAssetBuffer: new Uint8Array(task) },
    runningMode,
    numHands: 1,
    minHandDetectionConfidence: meta.page.hand.min_confidence,
  });
  photoHands = await HandLandmarker.createFromOptions(fileset, options("IMAGE"));
  videoHands = await HandLandmarker.createFromOptions(fileset, options("VIDEO"));
  return meta;
}

export function threads() {
  return ort.env.wasm.numThreads;
}

function canvasOf(source, w, h) {
  const c = new OffscreenCanvas(w, h),
    g = c.getContext("2d", { willReadFrequently: true });
  g.fillStyle = "#fff";
  g.fillRect(0, 0, w, h); // transparency flattened onto white, as Python does
  g.imageSmoothingQuality = "high"; // where a large photo is drawn smaller (MAX_SIDE)
  g.drawImage(source, 0, 0, w, h);
  return c;
}

function edgePadded(canvas, pad) {
  // np.pad(mode="edge")
  const w = canvas.width,
    h = canvas.height,
    c = new OffscreenCanvas(w + 2 * pad, h + 2 * pad),
    g = c.getContext("2d");
  g.imageSmoothingEnabled = false;
  g.drawImage(canvas, pad, pad);
  g.drawImage(canvas, 0, 0, w, 1, pad, 0, w, pad);
  g.drawImage(canvas, 0, h - 1, w, 1, pad, pad + h, w, pad);
  g.drawImage(c, pad, 0, 1, h + 2 * pad, 0, 0, pad, h + 2 * pad);
  g.drawImage(c, pad + w - 1, 0, 1, h + 2 * pad, pad + w, 0, pad, h + 2 * pad);
  return c;
}

function handOf(result, w, h, pad = 0, factor = 1) {
  // landmarks in the original image's pixels
  if (!result.landmarks.length) return null;
  const W = w + 2 * pad,
    H = h + 2 * pad;
  const points = result.landmarks[0].map((p) => [
    (p.x * W - pad) / factor,
    (p.y * H - pad) / factor,
    (p.z * W) / factor,
  ]);
  // The Tasks API names handedness as seen by the camera; the legacy solution Python uses, mirrored.
  return { points, right: result.handedness[0][0].categoryName === "Left" };
}

/** The hand in a photo (canvas w x h), searched as Python's landmarks.find: small images upscaled and
 * edge-padded, others with each share of `pads` in turn (as they are, then edge-padded by half their side). */
export function findHand(canvas, pads = [0, meta.page.hand.retry_pad]) {
  const w = canvas.width,
    h = canvas.height,
    factor = meta.page.image.search_side / Math.min(w, h);
  if (factor > 1) {
    const big = new OffscreenCanvas(Math.round(w * factor), Math.round(h * factor));
    big.getContext("2d").drawImage(canvas, 0, 0, big.width, big.height);
    const pad = Math.trunc(Math.max(big.width, big.height) * meta.page.image.row_pad);
    return handOf(photoHands.detect(edgePadded(big, pad)), big.width, big.height, pad, factor);
  }
  for (const share of pads) {
    const pad = Math.trunc(Math.max(w, h) * share);
    const hand = handOf(photoHands.detect(pad ? edgePadded(canvas, pad) : canvas), w, h, pad);
    if (hand) return hand;
  }
  return null;
}

/** Classify a grayscale image and its hand: {letter, probability, top, hand, probs, base (the model's own
 * probabilities, before a taught head)}. */
export async function classifyGray(gray, w, h, hand) {
  const pre = meta.preprocess,
    masks = pre.mask_tta ? [true, false] : [pre.mask_hand];
  const input = views(gray, w, h, hand && pre.crop === "hand" ? hand.points : null, masks, pre.image_size);
  const feeds = { images: new ort.Tensor("uint8", input, [1, masks.length, pre.image_size, pre.image_size]) };
  if (pre.landmarks) {
    const flat = new Float32Array(63).fill(NaN);
    if (hand) for (const [i, p] of hand.points.entries()) flat.set(p, 3 * i);
    feeds.landmarks = new ort.Tensor("float32", flat, [1, 21, 3]);
  }
  let probs = Array.from((await session.run(feeds)).probabilities.data);
  const base = probs;
  if (head) probs = applyHead(probs, head, meta.page.teach);
  const order = probs
    .map((p, i) => [p, i])
    .sort((a, b) => b[0] - a[0])
    .slice(0, 3);
  return {
    letter: meta.labels[order[0][1]],
    probability: order[0][0],
    probs,
    base,
    top: order.map(([p, i]) => ({ letter: meta.labels[i], probability: p })),
    hand: hand ? hand.points : null,
    right: hand ? hand.right : null,
  };
}

/** Classify a decoded image (an <img>, ImageBitmap or canvas) as `signmnist classify` does a photo. */
export async function classifyImage(image) {
  let w = image.naturalWidth || image.width,
    h = image.naturalHeight || image.height;
  const scale = Math.min(1, meta.page.image.max_side / Math.max(w, h)); // large photos read smaller, as in Python
  if (scale < 1) [w, h] = [Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale))];
  const canvas = canvasOf(image, w, h);
  const gray = toGray(canvas.getContext("2d").getImageData(0, 0, w, h).data, w, h);
  // a hand that fills a uniform backdrop is searched edge-padded first, as images.load_image does
  const pad = meta.page.hand.retry_pad;
  const hand = findHand(canvas, fillsFrame(gray, w, h) ? [pad, 0] : [0, pad]);
  return classifyGray(gray, w, h, hand);
}

/** Classify one video frame (tracked: the landmarker in video mode) at `ms` milliseconds. */
export async function classifyFrame(video, ms) {
  const w = video.videoWidth,
    h = video.videoHeight,
    canvas = canvasOf(video, w, h);
  const hand = handOf(videoHands.detectForVideo(canvas, ms), w, h);
  const gray = toGray(canvas.getContext("2d").getImageData(0, 0, w, h).data, w, h);
  return classifyGray(gray, w, h, hand);
}

/** An image at a (same-origin) URL, read as classifyImage reads it (throws an Error naming the URL). */
export async function readUrl(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  let image;
  try {
    image = await createImageBitmap(await response.blob(), { imageOrientation: "from-image" });
  } catch {
    throw new Error(`${url}: not an image this browser can decode`);
  }
  return classifyImage(image);
}

/** The automation hook's classifyUrl: an image at a (same-origin) URL -> {letter, probability, hand, top}. */
export async function classifyUrl(url) {
  const { letter, probability, hand, top } = await readUrl(url);
  return { letter, probability, hand, top };
}
