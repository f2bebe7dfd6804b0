// Practice: the page gives a word, the learner signs it letter by letter, and each letter is ticked once the
// model reads it held for HOLD_S; after HINT_AFTER_S of another letter a hint says what to change
// (hints.mjs: the hand against the letter's built hand). J and Z are ticked when drawn (strokes.mjs). The
// second of a double letter (the LL of HELLO) counts only once signed anew, as Live reads it: the hand slid or
// bounced (motion.mjs), or the letter let go for a moment. Speed and the weakest letters are kept in the
// browser's storage only. Pure logic: the page feeds it frames.
import { hint } from "./hints.mjs";
import { Motion } from "./motion.mjs";
import { Strokes } from "./strokes.mjs";

export const HOLD_S = 0.5; // a letter held this long (the model's top letter) is done
export const HINT_AFTER_S = 2.5; // seconds of a wrong letter before a hint
export const STORE = "signmnist.practice"; // localStorage key: per letter {n, seconds, skips, hints}

/** The graded lists: single letters, short common words, names, then words with the letters drawn in the air. */
export const LEVELS = {
  "Single letters": ["A", "B", "C", "D", "E", "L", "O", "V", "Y", "S", "T", "U"],
  "Short words": ["HI", "CAT", "DOG", "YES", "NO", "LOVE", "HELLO", "THANK", "WATER", "FRIEND"],
  Names: ["ANA", "BEN", "MARIA", "OMAR", "CHEN", "SOFIA", "LIAM", "NORA"],
  "J and Z": ["JOY", "ZOO", "JAZZ", "PIZZA", "JUNE", "ZERO", "ENJOY", "QUIZ"],
};

export class Practice {
  /** labels: the model's letters; page: model.json's page (practice, speller.strokes); storage: localStorage. */
  constructor(labels, page, storage = null) {
    this.labels = labels;
    this.config = page.practice;
    this.strokes = new Strokes(labels, page.speller.strokes);
    this.motion = new Motion(page.speller.motion, page.speller.motion_window, page.speller.palm);
    this.drawn = Object.keys(page.speller.strokes.letters);
    this.storage = storage;
    this.start("");
  }

  /** Practise a word (letters A-Z; anything else is dropped). */
  start(word) {
    this.word = [...String(word).toUpperCase()].filter((c) => c >= "A" && c <= "Z").join("");
    this.index = 0;
    this.hint = "";
    this.began = null; // time of the first frame
    this.finished = null;
    this.results = []; // per letter done: {letter, seconds, skipped, hinted}
    this.nextLetter(null);
    this.strokes.reset();
  }

  nextLetter(t) {
    this.letterSince = t;
    this.held = 0;
    this.wrong = 0;
    this.hinted = false;
    this.hint = "";
    this.last = t;
    // a double letter's second: the held letter counts only once it is signed anew
    this.again = this.index > 0 && this.word[this.index] === this.word[this.index - 1];
    this.wait = 0; // seconds the letter was held before it was signed anew
  }

  get target() {
    return this.word[this.index] || null;
  }

  get done() {
    return this.word.length > 0 && this.index >= this.word.length;
  }

  /** One frame read by the model: {letter, probability, probs, hand (landmarks or null), right}, at t seconds. */
  update(r, t) {
    if (!this.target) return;
    if (this.began === null) this.began = t;
    if (this.letterSince === null) this.letterSince = t;
    const dt = this.last === null ? 0 : Math.max(0, Math.min(t - this.last, 0.5));
    this.last = t;
    if (this.drawn.includes(this.target)) {
      const found = this.strokes.update(r.hand, r.hand ? r.probs : null, t);
      if (found.some((s) => s.letter === this.target)) return this.tick(t, false);
    }
    const reading = r.hand ? r.letter : null;
    const moved = this.motion.update(r.hand, t);
    if (this.again) {
      if (!moved && reading === this.target) {
        this.wait += dt;
        if (this.wait >= HOLD_S)
          this.hint = `slide your hand sideways (or lower it for a moment) to sign the second ${this.target}`;
        return;
      }
      [this.again, this.wait, this.hint] = [false, 0, ""];
    }
    this.held = reading === this.target ? this.held + dt : 0;
    if (this.held >= HOLD_S) return this.tick(t, false);
    this.wrong = reading && reading !== this.target ? this.wrong + dt : 0;
    if (this.wrong >= HINT_AFTER_S) {
      this.hint = hint(r.hand, this.target, this.config, r.right !== false) || `that reads as ${reading}`;
      this.hinted = true;
    } else if (!reading) this.hint = "";
  }

  /** Give up on the letter being practised and go on to the next. */
  skip(t = this.last) {
    if (this.target) this.tick(t ?? 0, true);
  }

  tick(t, skipped) {
    const seconds = this.letterSince === null ? 0 : t - this.letterSince;
    this.results.push({ letter: this.target, seconds, skipped, hinted: this.hinted });
    this.index += 1;
    this.nextLetter(t);
    this.strokes.reset();
    if (this.done) {
      this.finished = t;
      this.save();
    }
  }

  /** Letters a minute over the word so far (0 before a letter is done). */
  get lettersPerMinute() {
    const end = this.finished ?? this.last;
    const minutes = this.began === null || end === null ? 0 : (end - this.began) / 60;
    return minutes > 0 ? this.results.filter((r) => !r.skipped).length / minutes : 0;
  }

  /** Share of the word's letters done without a skip or a hint. */
  get accuracy() {
    return this.results.length ? this.results.filter((r) => !r.skipped && !r.hinted).length / this.results.length : 0;
  }

  /** The automation hook's state. */
  state() {
    const lettersPerMinute = Math.round(this.lettersPerMinute * 10) / 10;
    return { word: this.word, index: this.index, done: this.done, hint: this.hint, lettersPerMinute };
  }

  /** Per letter: {n, seconds, skips, hints}, as kept in storage (read once; `save` keeps it up to date). */
  stats() {
    if (this.record === undefined) {
      try {
        this.record = JSON.parse(this.storage?.getItem(STORE) || "{}") || {};
      } catch {
        this.record = {}; // an unreadable record starts again
      }
    }
    return this.record;
  }

  save() {
    const stats = this.stats();
    for (const r of this.results) {
      if (!stats[r.letter]) stats[r.letter] = { n: 0, seconds: 0, skips: 0, hints: 0 };
      const s = stats[r.letter];
      s.n += 1;
      s.seconds += r.seconds;
      s.skips += r.skipped ? 1 : 0;
      s.hints += r.hinted ? 1 : 0;
    }
    try {
      this.storage?.setItem(STORE, JSON.stringify(stats));
    } catch {
      // a full or refused storage keeps this session's word only
    }
  }

  /** The letters that took longest on average (a skip counts as 10 s), worst first. */
  weakest(n = 3) {
    const stats = this.stats();
    const cost = (s) => (s.seconds + 10 * s.skips) / s.n;
    return Object.keys(stats)
      .sort((a, b) => cost(stats[b]) - cost(stats[a]))
      .slice(0, n);
  }
}
