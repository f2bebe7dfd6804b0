// The speller of signmnist.live.speller, ported rule for rule (tests/js/ feeds it Python's recorded frames and
// compares the text; tests/test_site.py does the same in the browser): a letter is committed once it has stayed the top prediction,
// at or above `threshold`, for `hold` seconds; the same letter again needs a break of `rearm` seconds; a
// hand out of view for `gap` seconds ends the word with one space. Each committed letter keeps the mean of
// the probabilities it was held with (`entries`), for the decoder's language prior (`decoded`).
import { decodeText } from "./decoder.mjs";

export class Speller {
  constructor(labels, options, decoder = null) {
    // options: {threshold, hold, gap, rearm}, model.json's page.speller
    for (const k of ["threshold", "hold", "gap", "rearm"]) {
      if (!Number.isFinite(options[k])) throw new Error(`speller ${k}: expected a number, got ${options[k]}`);
      this[k] = options[k];
    }
    this.labels = labels;
    this.decoder = decoder;
    this.clear();
  }

  clear() {
    this.text = "";
    this.entries = [];
    this.letter = null;
    this.since = 0;
    this.last = null;
    this.quietSince = null;
    this.hand = false;
    this.now = 0;
    this.held = null;
    this.frames = 0;
  }

  backspace() {
    this.text = this.text.slice(0, -1);
    this.entries.pop();
    this.last = null;
    this.letter = null;
  }

  /** The committed letters as the decoder reads them (as committed without one). */
  get decoded() {
    return this.decoder ? decodeText(this.decoder, this.entries) : this.text;
  }

  add(char, probs) {
    this.text += char;
    this.entries.push([char, probs]);
  }

  /** One frame: probabilities (or null), whether a hand was found, its time in seconds -> what was added. */
  update(probs, hand, t) {
    this.hand = hand;
    this.now = t;
    const candidate = hand ? this.candidate(probs) : null;
    if (candidate === null) return this.quiet(t, hand);
    this.quietSince = null;
    if (candidate !== this.letter) {
      this.letter = candidate;
      this.since = t;
      this.held = new Float64Array(probs.length);
      this.frames = 0;
    }
    if (candidate !== this.last) {
      probs.forEach((p, i) => {
        this.held[i] += p;
      });
      this.frames++;
      if (t - this.since >= this.hold) {
        this.last = candidate;
        this.add(
          candidate,
          Array.from(this.held, (v) => v / this.frames),
        );
        return candidate;
      }
    }
    return null;
  }

  candidate(probs) {
    if (!probs) return null;
    let best = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i; // the first of ties, as argmax
    return probs[best] >= this.threshold ? this.labels[best] : null;
  }

  quiet(t, hand) {
    this.letter = null;
    if (this.quietSince === null) this.quietSince = t;
    const quiet = t - this.quietSince;
    if (quiet >= this.rearm) this.last = null;
    if (!hand && quiet >= this.gap && this.text && !this.text.endsWith(" ")) {
      this.add(" ", null);
      return " ";
    }
    return null;
  }

  /** The letter being held and how far along its hold (1: committed and still held). */
  get progress() {
    if (this.letter === null) return 0;
    if (this.letter === this.last || this.hold <= 0) return 1;
    return Math.min(1, (this.now - this.since) / this.hold);
  }
}
