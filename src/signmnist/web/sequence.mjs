// The segment search of signmnist.live.sequence, ported step for step (tests/js/ feeds both the same recorded
// frames and compares the letters): within a word, for every letter and a blank, the best explanation of the
// frames so far that ends in it; a path scores the sum of w * log p(its segment's letter) over its frames (a
// blank frame scores log threshold), less `switch` for each letter segment; w is the frame's length in 1/REF_FPS s.

function open(labels) {
  return {
    start: 0,
    end: 0,
    seconds: 0,
    sum: new Float64Array(labels),
    frames: 0,
    event: Number.NaN,
    afterSum: new Float64Array(labels),
    afterFrames: 0,
    afterSeconds: 0,
    fresh: false,
  };
}

function argmax(values, skip = -1) {
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    if (i !== skip && (best < 0 || values[i] > values[best])) best = i; // the first of ties, as numpy
  }
  return best;
}

export class SegmentSearch {
  constructor(labels, options) {
    // options: model.json's page.speller (threshold, switch, hold, ref_fps, floor)
    this.labels = labels;
    Object.assign(this, {
      threshold: options.threshold,
      switchCost: options.switch,
      hold: options.hold,
      refFps: options.ref_fps,
      floor: options.floor,
    });
    this.reset();
  }

  reset() {
    const states = this.labels + 1;
    this.score = new Float64Array(states);
    this.history = new Array(states).fill(null);
    this.open = Array.from({ length: states }, () => open(this.labels));
    this.fresh = true;
    this.t = null;
  }

  pause() {
    if (this.fresh) return;
    const best = argmax(this.score);
    const past = this.closed(best);
    this.score.fill(this.score[best]);
    this.history.fill(past);
    this.open = Array.from({ length: this.score.length }, () => open(this.labels));
    this.fresh = true;
  }

  update(probs, t, event = false) {
    const w = this.t === null ? 1 : Math.min(4, Math.max(0.25, (t - this.t) * this.refFps));
    this.t = t;
    const L = this.labels;
    const emit = Float64Array.from({ length: L + 1 }, (_, i) =>
      i < L ? w * Math.log(Math.max(probs[i], this.floor)) : w * Math.log(this.threshold),
    );
    let next, came;
    if (this.fresh) {
      const base = Math.max(...this.score);
      next = Float64Array.from({ length: L + 1 }, (_, i) => (i < L ? base - this.switchCost : base));
      came = new Array(L + 1).fill(-1);
    } else {
      [next, came] = this.transitions();
    }
    this.advance(came, probs, t, w, event);
    this.score = next.map((v, i) => v + emit[i]);
    this.fresh = false;
  }

  transitions() {
    const L = this.labels,
      blank = L,
      s = this.score;
    const letters = s.subarray(0, L);
    const first = argmax(letters),
      second = argmax(letters, first);
    const next = new Float64Array(L + 1),
      came = new Array(L + 1);
    for (let c = 0; c < L; c++) {
      let other = c === first ? second : first;
      if (s[blank] > s[other]) other = blank;
      const enter = s[other] - this.switchCost;
      const stay = s[c] >= enter;
      came[c] = stay ? c : other;
      next[c] = stay ? s[c] : enter;
    }
    came[blank] = s[first] > s[blank] ? first : blank;
    next[blank] = s[came[blank]];
    return [next, came];
  }

  advance(came, probs, t, w, event) {
    const closed = new Map(); // before anything moves: a closed segment copies what it keeps
    for (const src of came) if (src >= 0 && !closed.has(src)) closed.set(src, this.closed(src));
    for (let s = 0; s < came.length; s++) {
      if (came[s] === s) continue; // stays: its segment goes on
      this.history[s] = came[s] >= 0 ? closed.get(came[s]) : this.history[s];
      this.open[s] = { ...open(this.labels), start: t, fresh: this.fresh };
    }
    for (const o of this.open) {
      o.end = t;
      o.seconds += w / this.refFps;
      o.frames += 1;
      for (let i = 0; i < this.labels; i++) o.sum[i] += probs[i];
      // an event replaces one too early in its segment to split it, never one that can
      if (event && (Number.isNaN(o.event) || o.seconds - w / this.refFps - o.afterSeconds < this.hold)) {
        Object.assign(o, { event: t, afterSum: new Float64Array(this.labels), afterFrames: 0, afterSeconds: 0 });
      }
      for (let i = 0; i < this.labels; i++) o.afterSum[i] += probs[i];
      o.afterFrames += 1;
      o.afterSeconds += w / this.refFps;
    }
  }

  closed(s) {
    const past = this.history[s],
      o = this.open[s];
    if (s === this.labels || o.frames === 0) return past;
    const before = o.seconds - o.afterSeconds,
      frames = o.frames - o.afterFrames;
    const segment = (start, end, seconds, sum, n, fresh) => ({
      label: s,
      start,
      end,
      seconds,
      probs: Array.from(sum, (v) => v / n),
      fresh,
    });
    if (!Number.isNaN(o.event) && frames && before >= this.hold && o.afterSeconds >= this.hold) {
      const head = o.sum.map((v, i) => v - o.afterSum[i]);
      const first = segment(o.start, o.event, before, head, frames, o.fresh);
      const second = segment(o.event, o.end, o.afterSeconds, o.afterSum, o.afterFrames, true);
      return { segment: second, before: { segment: first, before: past } };
    }
    return { segment: segment(o.start, o.end, o.seconds, o.sum, o.frames, o.fresh), before: past };
  }

  /** The letter the best path is in now, for how many seconds and since when; null: a blank, no frame yet. */
  current() {
    const best = argmax(this.score);
    return this.fresh || best === this.labels ? null : [best, this.open[best].seconds, this.open[best].start];
  }

  /** The letters of the best path so far: segments shorter than `hold` left out (`merged`). */
  path() {
    const found = [];
    for (let node = this.closed(argmax(this.score)); node; node = node.before) found.push(node.segment);
    return merged(found.reverse().filter((seg) => seg.seconds >= this.hold));
  }
}

/** Segments with each one next to one of the same letter joined to it, unless it is fresh. */
export function merged(segments) {
  const out = [];
  for (const seg of segments) {
    const last = out[out.length - 1];
    if (last && last.label === seg.label && !seg.fresh) out[out.length - 1] = joined(last, seg);
    else out.push(seg);
  }
  return out;
}

function joined(a, b) {
  const seconds = a.seconds + b.seconds;
  const probs = a.probs.map((p, i) => (p * a.seconds + b.probs[i] * b.seconds) / seconds);
  return { label: a.label, start: a.start, end: b.end, seconds, probs, fresh: a.fresh, drawn: a.drawn };
}
