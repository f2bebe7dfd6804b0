// The Practice mode's screen, shared by the server's page and the offline page: it builds itself into
// <section id="practice-mode">, runs the camera, and hands each frame to `read` (the offline page's model, or
// the server's Live socket), then shows the word, the letter to make (its built hand from the front and the
// side, mirrored for a left hand; J and Z with their stroke), what the model reads, the hold, the hint and
// the learner's speed (practice.mjs holds the logic).
import { HOLD_S, LEVELS, Practice } from "./practice.mjs";
import { drawSkeleton } from "./skeleton.mjs";

const HTML = `<div class="practice">
<div class="row">
  <label>Level <select id="practice-level"></select></label>
  <label>Word <select id="practice-word"></select></label>
  <label>or your own <input id="practice-own" size="12" maxlength="20" autocomplete="off"></label>
  <button id="practice-start" class="action">Start</button>
  <button id="practice-skip" class="action secondary" disabled>Skip letter</button>
  <button id="practice-stop" class="action secondary" disabled>Stop camera</button>
</div>
<div id="word" aria-live="polite"></div>
<div class="row">
  <div class="row views" role="img" aria-label="how to make the letter">
    <figure><canvas id="target-front" width="300" height="300"></canvas><figcaption><small>front</small></figcaption></figure>
    <figure><canvas id="target-side" width="300" height="300"></canvas><figcaption><small>side</small></figcaption></figure>
  </div>
  <div>
    <div><small id="target-how"></small></div>
    <div>reading: <b id="practice-letter">–</b> <small id="practice-confidence"></small></div>
    <progress id="practice-hold" max="1" value="0" aria-label="held"></progress>
    <div id="hint" role="status" aria-live="polite"></div>
    <div id="practice-stats" role="status"></div>
  </div>
</div>
<div class="stage"><video id="practice-video" playsinline muted></video><canvas id="practice-skeleton"></canvas></div>
<small>Your speed and weakest letters stay in this browser (its local storage), nowhere else.</small>
</div>`;

const $ = (id) => document.getElementById(id);

/** Build the Practice screen. page: the shared config; read(video, ms) -> {letter, probability, probs, hand
 * (pixels), right} or null (no frame read). Returns the automation hook {start(word), state(), stop()}. */
export function mountPractice(page, labels, read) {
  $("practice-mode").innerHTML = HTML;
  let storage = null;
  try {
    storage = window.localStorage;
  } catch {
    // storage refused (a private window): the session still works, nothing is kept
  }
  const practice = new Practice(labels, page, storage);
  const view = { practice, camera: null, busy: false, since: 0, right: true };
  fillLevels();
  $("practice-start").addEventListener("click", () => start(view, page, read, chosenWord()));
  $("practice-own").addEventListener("keydown", (e) => {
    if (e.key === "Enter") start(view, page, read, chosenWord()); // type a word, press Enter
  });
  $("practice-skip").addEventListener("click", () => {
    practice.skip();
    show(view, page, null);
  });
  $("practice-stop").addEventListener("click", () => stop(view));
  show(view, page, null);
  return {
    start: (word) => start(view, page, read, word),
    state: () => practice.state(),
    stop: () => stop(view),
  };
}

function fillLevels() {
  const level = $("practice-level"),
    word = $("practice-word");
  level.innerHTML = Object.keys(LEVELS)
    .map((k) => `<option>${k}</option>`)
    .join("");
  const words = () => {
    word.innerHTML = LEVELS[level.value].map((w) => `<option>${w}</option>`).join("");
  };
  level.addEventListener("change", words);
  words();
}

function chosenWord() {
  return $("practice-own").value.trim() || $("practice-word").value;
}

async function start(view, page, read, word) {
  view.practice.start(word);
  show(view, page, null);
  if (!view.practice.word) return;
  if (!view.camera) {
    if (!navigator.mediaDevices?.getUserMedia) return say("This browser gives no camera to this page.");
    try {
      view.camera = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 } },
      });
    } catch (e) {
      return say(e.name === "NotAllowedError" ? "The camera was refused: allow it to practise." : e.message);
    }
    const video = $("practice-video");
    video.srcObject = view.camera;
    await video.play();
    view.since = performance.now();
    loop(view, page, read, video);
  }
  $("practice-skip").disabled = false;
  $("practice-stop").disabled = false;
}

function loop(view, page, read, video) {
  const next = async () => {
    if (!view.camera) return;
    if (!view.busy && video.videoWidth) {
      view.busy = true;
      try {
        const ms = performance.now();
        const r = await read(video, ms);
        if (r) {
          view.practice.update(r, (ms - view.since) / 1000);
          if (r.hand) view.right = r.right !== false;
          show(view, page, r, video);
        }
      } finally {
        view.busy = false;
      }
    }
    setTimeout(next, 15);
  };
  next();
}

function stop(view) {
  if (!view.camera) return;
  for (const t of view.camera.getTracks()) t.stop();
  view.camera = null;
  $("practice-stop").disabled = true;
}

function say(text) {
  $("hint").textContent = text;
}

function show(view, page, r, video = null) {
  const p = view.practice,
    target = p.target;
  $("word").innerHTML = [...p.word]
    .map(
      (c, i) =>
        `<span class="${i < p.index ? "done" : i === p.index ? "now" : ""}">${c}${i < p.index ? "✓" : ""}</span>`,
    )
    .join(" ");
  if (view.drawn !== `${target}${view.right}`) drawTarget(page, target, view.right); // only when it changes
  view.drawn = `${target}${view.right}`;
  $("target-how").textContent = target ? howTo(page, target) : p.done ? "Done!" : "Pick a word and press Start.";
  $("practice-letter").textContent = r?.hand ? r.letter : "–";
  $("practice-confidence").textContent = r?.hand ? `${Math.round(100 * r.probability)}%` : "";
  $("practice-hold").value = Math.min(1, p.held / HOLD_S);
  $("hint").textContent = p.hint;
  const s = p.state();
  const weak = p.weakest();
  $("practice-stats").textContent =
    (s.lettersPerMinute ? `${s.lettersPerMinute} letters a minute` : "") +
    (p.done ? ` · ${Math.round(100 * p.accuracy)}% without help` : "") +
    (weak.length ? ` · your slowest letters: ${weak.join(", ")}` : "");
  if (video) drawHand(page, video, r);
}

function howTo(page, letter) {
  const drawn = page.speller.strokes.letters[letter];
  if (drawn) return `${letter}: make ${drawn[0]} and draw ${letter} in the air with that fingertip`;
  return `${letter}: ${page.practice.descriptions[letter] || ""}`;
}

/** The letter's built hand from the front (x, y) and the side (z, y), mirrored for a left hand. */
function drawTarget(page, letter, right) {
  const shape = letter && (page.speller.strokes.letters[letter]?.[0] || letter);
  const hand = shape && page.practice.hands[shape];
  for (const [id, axis] of [
    ["target-front", 0],
    ["target-side", 2],
  ]) {
    const canvas = $(id),
      g = canvas.getContext("2d");
    g.clearRect(0, 0, canvas.width, canvas.height);
    if (!hand) continue;
    const xs = hand.map((q) => (right || axis === 2 ? q[axis] : -q[axis])),
      ys = hand.map((q) => q[1]);
    const cx = (Math.min(...xs) + Math.max(...xs)) / 2,
      cy = (Math.min(...ys) + Math.max(...ys)) / 2;
    const xy = xs.map((x, i) => [150 + (x - cx), 150 + (ys[i] - cy)]);
    const stroke = page.speller.strokes.letters[letter];
    if (stroke && axis === 0) drawStroke(g, page.speller.strokes.templates[letter][right ? 0 : 1], xy[stroke[1]]);
    drawSkeleton(g, xy, page.practice.bones, "rgba(37, 99, 235, .9)");
  }
}

function drawStroke(g, template, from) {
  g.lineWidth = 5;
  g.strokeStyle = "rgba(217, 119, 6, .9)";
  g.beginPath();
  template.forEach(([x, y], i) => {
    const at = [from[0] + 90 * (x - template[0][0]), from[1] + 90 * (y - template[0][1])];
    if (i) g.lineTo(...at);
    else g.moveTo(...at);
  });
  g.stroke();
}

function drawHand(page, video, r) {
  const canvas = $("practice-skeleton");
  canvas.width = canvas.clientWidth;
  canvas.height = canvas.clientHeight;
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (!r?.hand) return;
  // the video is drawn "contain" in its stage and mirrored: map its pixels to the drawn rectangle
  const vw = video.videoWidth,
    vh = video.videoHeight,
    scale = Math.min(canvas.width / vw, canvas.height / vh);
  const x0 = (canvas.width - vw * scale) / 2,
    y0 = (canvas.height - vh * scale) / 2;
  drawSkeleton(
    g,
    r.hand.map(([x, y]) => [x0 + (vw - x) * scale, y0 + y * scale]),
    page.bones,
  );
}
