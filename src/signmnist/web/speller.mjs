// The speller of signmnist.live.speller, ported rule for rule (tests/js/ feeds it Python's recorded frames and
// compares the text; tests/test_site.py does the same in the browser): within a word the letters are the
// segment search's best path (sequence.mjs), revised as frames arrive; a slide or bounce of the hand
// (motion.mjs) or a break of `rearm` seconds splits a double letter; a pause without a hand ends the word when
// it is long for this signer (`gap_share` of the recent letters' median length, between `min_gap` and `gap`).
// J and Z, drawn in the air, are found by strokes.mjs and take the place of what the search read over them.
// Each letter keeps the mean of its frames' probabilities, for the decoder's language prior (`decoded`).
import { Decoder, decodeText } from "./decoder.mjs";
import { median } from "./hand.mjs";
import { Motion } from "./motion.mjs";
import { merged, SegmentSearch } from "./sequence.mjs";
import { Strokes } from "./strokes.mjs";

const SETTINGS = ["threshold", "switch", "hold", "passing", "slow", "gap", "rearm", "min_gap", "gap_share", "recent"];
const MORE = ["motion", "motion_window", "ref_fps", "floor", "lead", "glue", "stroke_p"];

export class Speller {
  constructor(labels, options, decoder = null) {
    // options: model.json's page.speller
    for (const k of [...SETTINGS, ...MORE]) {
      if (!Number.isFinite(options[k])) throw new Error(`speller ${k}: expected a number, got ${options[k]}`);
    }
    if (!options.strokes) throw new Error("speller strokes: expected the J and Z settings (page.strokes)");
    this.options = options;
    const drawn = Object.keys(options.strokes.letters).filter((k) => !labels.includes(k));
    this.labels = [...labels, ...drawn]; // the model's letters, then the drawn letters it lacks
    this.decoder = decoder && new Decoder(this.labels, decoder.language, decoder.config);
    this.search = new SegmentSearch(labels.length, options);
    if (!Array.isArray(options.palm)) throw new Error(`speller palm: expected landmark indices, got ${options.palm}`);
    this.motion = new Motion(options.motion, options.motion_window, options.palm);
    this.strokes = new Strokes(labels, options.strokes);
    this.clear();
  }

  clear() {
    this.done = []; // the letters of finished words, null for a space
    this.word = []; // the word being read (the search's best path so far)
    this.drawn = []; // the J and Z strokes of the word being read
    this.search.reset();
    this.motion.reset();
    this.strokes.reset();
    this.quietSince = null;
    this.hand = false;
    this.now = 0;
  }

  backspace() {
    this.finish(false);
    this.done.pop();
  }

  get segments() {
    return [...this.done, ...this.word];
  }

  get entries() {
    const width = this.labels.length; // a segment of the search has the model's probabilities: J and Z get 0
    const padded = (p) => (p.length < width ? [...p, ...new Array(width - p.length).fill(0)] : p);
    return this.segments.map((s) => (s === null ? [" ", null] : [this.labels[s.label], padded(s.probs)]));
  }

  get text() {
    return this.segments.map((s) => (s === null ? " " : this.labels[s.label])).join("");
  }

  /** The letters as the decoder reads them (as read without one). */
  get decoded() {
    return this.decoder ? decodeText(this.decoder, this.entries) : this.text;
  }

  /** One frame: probabilities (or null), whether a hand was found, its time in seconds, the hand's landmarks
   * (or null) -> the raw text when this frame changed it, else null. */
  update(probs, hand, t, points = null) {
    this.hand = hand;
    this.now = t;
    const before = this.text;
    const event = this.motion.update(hand ? points : null, t);
    const found = this.strokes.update(hand ? points : null, probs, t),
      now = this.strokes.holding; // the last stroke, held longer while the hand keeps its shape
    this.drawn = [
      ...this.drawn.map((s) => (now && now.start === s.start && now.letter === s.letter ? now : s)),
      ...found,
    ];
    if (hand && probs) {
      // the pause just ended was a word's end (frames may come sparsely)
      if (this.quietSince !== null && t - this.quietSince >= this.wordGap()) this.finish(true);
      this.quietSince = null;
      this.search.update(probs, t, event);
      this.word = this.currentWord();
    } else {
      if (found.length) this.word = this.currentWord(); // a stroke the hand's leaving ended: in the word now
      this.quiet(t, hand);
    }
    const after = this.text;
    return after === before ? null : after;
  }

  /** The search's path without the shapes the hand passed through between a learner's held letters; the
   * last letter is judged only once the word has ended. */
  currentWord(ended = false) {
    const o = this.options,
      path = this.withDrawn(this.search.path());
    const passing = (i) => {
      if ((i === path.length - 1 && !ended) || path[i].drawn) return false; // J and Z: never passed through
      const around = [path[i - 1], path[i + 1]].filter((s) => s && !s.drawn).map((s) => s.seconds);
      const share = i ? o.passing : o.passing / 2; // the first: only a brief shape as the hand comes in
      return around.length > 0 && Math.min(...around) >= o.slow && path[i].seconds < share * Math.min(...around);
    };
    return merged(path.filter((_, i) => !passing(i)));
  }

  /** The path with each J or Z stroke in the place of what the search read over its time. */
  withDrawn(path) {
    for (const stroke of this.drawn) {
      const base = this.labels.indexOf(this.options.strokes.letters[stroke.letter][0]);
      const kept = path.flatMap((seg) => (seg.drawn ? [seg] : this.outside(seg, stroke, base)));
      path = [...kept, this.strokeSegment(stroke)].sort((a, b) => a.start - b.start);
    }
    return path;
  }

  strokeSegment(stroke) {
    const o = this.options,
      probs = new Array(this.labels.length).fill(0),
      label = this.labels.indexOf(stroke.letter);
    probs[label] = o.stroke_p;
    probs[this.labels.indexOf(o.strokes.letters[stroke.letter][0])] = 1 - o.stroke_p;
    return { label, start: stroke.start, end: stroke.end, seconds: stroke.end - stroke.start, probs, fresh: true,
             drawn: true }; // biome-ignore format: one segment
  }

  /** What is left of a segment the search read once a stroke takes its time (Python's `outside`): another
   * letter read while the hand still has the stroke's shape (until `held`) is the stroke's too. */
  outside(seg, stroke, base) {
    const o = this.options,
      span = seg.end - seg.start,
      end = seg.label === base ? stroke.end : stroke.held,
      parts = [];
    for (const [lo, hi] of [
      [seg.start, Math.min(seg.end, stroke.start)],
      [Math.max(seg.start, end), seg.end],
    ]) {
      const inside = lo > hi || (lo === hi && stroke.start <= lo && lo <= end);
      const seconds = span > 0 ? (seg.seconds * (hi - lo)) / span : seg.seconds;
      const near = Math.max(stroke.start - hi, lo - stroke.end) <= o.glue;
      if (inside || seconds < o.hold || (seg.label === base && seconds < o.lead && near)) continue;
      parts.push({ ...seg, start: lo, end: hi, seconds, fresh: seg.fresh || lo > seg.start });
    }
    return parts;
  }

  quiet(t, hand) {
    if (this.quietSince === null) this.quietSince = t;
    const quiet = t - this.quietSince;
    if (quiet >= this.options.rearm) this.search.pause();
    if (!hand && quiet >= this.wordGap()) this.finish(true);
  }

  /** Seconds without a hand that end a word now. */
  wordGap() {
    const o = this.options;
    const tail = [...this.done.slice(-2 * o.recent), ...this.word]; // at most one space a letter
    const recent = tail
      .filter((s) => s !== null)
      .map((s) => s.seconds)
      .slice(-o.recent);
    if (!recent.length) return o.gap;
    return Math.min(o.gap, Math.max(Math.min(o.min_gap, o.gap), o.gap_share * median(recent)));
  }

  finish(space) {
    if (this.word.length || this.drawn.length) this.done.push(...this.currentWord(true));
    this.word = [];
    this.drawn = [];
    this.search.reset();
    if (space && this.done.length && this.done[this.done.length - 1] !== null) this.done.push(null);
  }

  /** How many letters at the end of the text are the word still being read. */
  get pending() {
    return this.word.length;
  }

  /** The path a fingertip is drawing now ([[x, y], ...] pixels), or null. */
  get trace() {
    return this.strokes.tracing();
  }

  /** The letter being signed now (where the best path is), or null. */
  get letter() {
    const now = this.hand ? this.search.current() : null;
    return now ? this.labels[now[0]] : null;
  }

  /** How long the letter being signed has lasted, as a share of the least a letter must last. */
  get progress() {
    const now = this.hand ? this.search.current() : null;
    if (!now) return 0;
    const o = this.options;
    const before = this.word.filter((s) => s.start < now[2]).slice(-1);
    const least = Math.max(o.hold, ...before.filter((s) => s.seconds >= o.slow).map((s) => o.passing * s.seconds));
    return least > 0 ? Math.min(1, now[1] / least) : 1;
  }
}
