// The page: Photo and Live modes over signmnist.mjs, and the automation hook window.signmnist.

import { Decoder } from "./decoder.mjs";
import { english } from "./language.mjs";
import { mountPractice } from "./practice-view.mjs";
import * as engine from "./signmnist.mjs";
import { drawSkeleton as drawBones, drawTrace } from "./skeleton.mjs";
import { Speller } from "./speller.mjs";
import { mountTeach } from "./teach-view.mjs";
import { showTranscript } from "./transcript.mjs";

const $ = (id) => document.getElementById(id);
const FRAME_GAP_MS = 1000 / 31; // at most about 30 frames/s read (a 60 frames/s camera: every other frame)

let language = null,
  page = null; // page: the constants shared with Python (model.json's "page")
const ready = Promise.all([engine.load(), english(new URL("./english_words.tsv.gz", import.meta.url).href)])
  .then(([meta, lm]) => {
    language = lm;
    page = meta.page;
    $("load-status").textContent = "Ready: everything runs on this device.";
    $("about").textContent =
      `model: ${meta.source}; ${engine.threads()} thread(s) for the model` +
      (self.crossOriginIsolated ? "" : " (serve with COOP/COEP headers for more)");
    return meta;
  })
  .catch((e) => {
    $("load-status").textContent = "Could not load the models: " + e.message;
    $("load-status").className = "status error";
    throw e;
  });
let practice = null; // the Practice screen's hook, once the models are loaded
const practiceReady = ready.then((meta) => {
  practice = mountPractice(meta.page, meta.labels, (video, ms) => engine.classifyFrame(video, ms));
  return practice;
});
let teach = null; // the Teach tab's hook, once the models are loaded
const teachReady = ready.then((meta) => {
  teach = mountTeach(meta, engine);
  return teach;
});
window.signmnist = {
  ready,
  classifyUrl: async (url) => {
    await ready;
    return engine.classifyUrl(url);
  },
  threads: () => engine.threads(),
  practice: {
    /** Practise a word (the Practice tab shows it; the camera starts if it is not running). */
    start: async (word) => {
      const p = await practiceReady;
      mode("practice");
      await p.start(word);
    },
    /** {word, index, done, hint, lettersPerMinute} */
    state: () => (practice ? practice.state() : { word: "", index: 0, done: false, hint: "", lettersPerMinute: 0 }),
  },
  teach: {
    /** Teach the model this signer's hand from photos at same-origin URLs, {A: [url, ...], ...}; resolves
     * once the taught model is in use (classifyUrl, Live and Practice read with it). */
    fromUrls: async (byLetter) => {
      const t = await teachReady;
      mode("teach"); // the Teach tab shows the progress and what was learnt
      return t.fromUrls(byLetter);
    },
    /** Back to the base model (and forget the taught one kept in this browser). */
    reset: async () => (await teachReady).reset(),
    /** {taught: what the model in use was taught on, or null; busy} */
    state: () => (teach ? teach.state() : { taught: null, busy: false }),
  },
};

function drawSkeleton(canvas, points, w, h, trace = null) {
  canvas.width = canvas.clientWidth;
  canvas.height = canvas.clientHeight;
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (!points) return;
  const sx = canvas.width / w,
    sy = canvas.height / h;
  drawTrace(
    g,
    trace?.map(([x, y]) => [x * sx, y * sy]),
  );
  drawBones(
    g,
    points.map(([x, y]) => [x * sx, y * sy]),
    page.bones,
  );
}
const topLine = (top) => top.map((t) => `${t.letter} ${(100 * t.probability).toFixed(0)}%`).join("  ·  ");

/* ---------- Photo ---------- */
async function showPhoto(file) {
  await ready;
  const url = URL.createObjectURL(file),
    img = $("photo");
  img.src = url;
  await img.decode();
  try {
    const r = await engine.classifyImage(img);
    $("photo-letter").textContent = r.letter;
    $("photo-top").textContent = topLine(r.top);
    $("photo-status").textContent = r.hand ? "" : "No hand found: the model read the whole picture.";
    drawSkeleton($("photo-skeleton"), r.hand, img.naturalWidth, img.naturalHeight);
  } catch (e) {
    $("photo-status").textContent = "Could not read this image: " + e.message;
    $("photo-status").className = "status error";
  }
}
$("file").addEventListener("change", (e) => e.target.files[0] && showPhoto(e.target.files[0]));
$("drop").addEventListener("dragover", (e) => {
  e.preventDefault();
  $("drop").classList.add("over");
});
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (e) => {
  e.preventDefault();
  $("drop").classList.remove("over");
  if (e.dataTransfer.files[0]) showPhoto(e.dataTransfer.files[0]);
});

/* ---------- Live ---------- */
let live = null; // {stream, speller, timer, busy, last, frames, since}
function liveStatus(text, isError = false) {
  $("live-status").textContent = text;
  $("live-status").className = "status" + (isError ? " error" : "");
}

async function liveFrame() {
  const video = $("live-video");
  if (!live || live.busy || !video.videoWidth || performance.now() - live.last < FRAME_GAP_MS) return;
  live.busy = true;
  live.last = performance.now();
  try {
    const r = await engine.classifyFrame(video, live.last);
    const t = (live.last - live.since) / 1000;
    live.speller.update(r.hand ? r.probs : null, !!r.hand, t, r.hand);
    live.frames++;
    $("live-letter").textContent = live.speller.letter || (r.hand ? r.letter : "–");
    $("hold").value = live.speller.progress;
    $("live-top").textContent = r.hand ? topLine(r.top) : "no hand in view";
    showTranscript($("transcript"), live.speller.decoded, live.speller.pending);
    $("raw").textContent = live.speller.text;
    $("fps").textContent = `${(live.frames / t).toFixed(1)} frames/s`;
    const mirrored = ([x, y, z]) => [video.videoWidth - x, y, z]; // the video is shown as a mirror
    const trace = live.speller.trace;
    drawSkeleton(
      $("live-skeleton"),
      r.hand?.map(mirrored),
      video.videoWidth,
      video.videoHeight,
      trace?.map(([x, y]) => mirrored([x, y, 0])),
    );
  } finally {
    if (live) live.busy = false;
  }
}

/** Read each new camera frame once (requestVideoFrameCallback: no frame waits for a timer's tick, none is
 * read twice), skipping those that arrive while one is read; a timer where the browser lacks it. */
function followFrames(video) {
  if (!video.requestVideoFrameCallback) {
    live.timer = setInterval(liveFrame, 5);
    return;
  }
  const next = () => {
    if (!live) return;
    liveFrame();
    video.requestVideoFrameCallback(next);
  };
  video.requestVideoFrameCallback(next);
}

$("live-start").addEventListener("click", async () => {
  if (live) return;
  const meta = await ready;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia)
    return liveStatus("This browser gives no camera to this page (it needs https or localhost).", true);
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
    });
    $("live-video").srcObject = stream;
    await $("live-video").play(); // played by hand: a scrolled-away autoplay video pauses
    live = {
      stream,
      speller: new Speller(meta.labels, page.speller, new Decoder(meta.labels, language, page.decoder)),
      busy: false,
      last: 0,
      frames: 0,
      since: performance.now(),
    };
    followFrames($("live-video"));
    $("live-start").disabled = true;
    $("live-stop").disabled = false;
    liveStatus("Live: spell at your pace; the word so far may change as you go on.");
  } catch (e) {
    liveStatus(
      e.name === "NotAllowedError"
        ? "The camera was refused: allow it in the browser to spell live."
        : e.name === "NotFoundError"
          ? "No camera was found on this device."
          : "Could not start the camera: " + e.message,
      true,
    );
  }
});
function stopLive() {
  if (!live) return;
  clearInterval(live.timer);
  for (const t of live.stream.getTracks()) t.stop();
  live = null;
  $("live-start").disabled = false;
  $("live-stop").disabled = true;
}
$("live-stop").addEventListener("click", () => {
  stopLive();
  liveStatus("Stopped.");
});
function showText() {
  showTranscript($("transcript"), live.speller.decoded, live.speller.pending);
  $("raw").textContent = live.speller.text;
}
$("backspace").addEventListener("click", () => {
  if (live) {
    live.speller.backspace();
    showText();
  }
});
$("clear").addEventListener("click", () => {
  if (live) {
    live.speller.clear();
    showText();
  }
});
$("show-raw").addEventListener("change", (e) => {
  $("raw-line").hidden = !e.target.checked;
});

/* ---------- Tabs ---------- */
function mode(name) {
  for (const m of ["photo", "live", "practice", "teach"]) {
    $(`${m}-mode`).hidden = m !== name;
    $(`tab-${m}`).setAttribute("aria-selected", String(m === name));
  }
  if (name !== "live") stopLive();
  if (name !== "practice") practice?.stop();
  if (name !== "teach") teach?.stop();
}
for (const name of ["photo", "live", "practice", "teach"]) {
  $(`tab-${name}`).addEventListener("click", () => mode(name));
}
