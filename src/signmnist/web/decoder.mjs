// The spelling decoder of signmnist.live.decoder, ported: each word of committed letters becomes the string
// of as many letters that maximises sum_i log p_i(letter_i) + weight * log P(word), searched over every
// known word of that length and a beam under the spelling model. Its settings are Python's (model.json's
// page.decoder: weight, floor, beam, per_letter, known, memo); tests/js/ checks it against Python's answers.
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export class Decoder {
  constructor(labels, language, config) {
    // config: model.json's page.decoder, written by signmnist web
    const weight = config.weight;
    if (!(Number.isFinite(weight) && weight >= 0))
      throw new Error(`prior weight: expected a number >= 0, got ${weight}`);
    this.language = language;
    this.weight = weight;
    this.config = config;
    this.column = [...ALPHABET].map((c) => labels.indexOf(c));
    this.memo = new Map(); // a live transcript re-decodes its words at each change; forgotten at config.memo
  }

  word(letters, probs) {
    // probs: one array of the model's probabilities per letter
    if (this.weight === 0 || !letters) return letters;
    const key = letters + "|" + probs.map((p) => Array.from(p, (v) => Math.fround(v)).join(",")).join(";");
    if (this.memo.has(key)) return this.memo.get(key);
    const floor = this.config.floor;
    const logp = probs.map((p) => this.column.map((c) => Math.log(Math.max(c >= 0 ? p[c] : 0, floor))));
    const candidates = [...new Set([letters, ...this.beam(logp), ...this.known(logp)])].sort();
    let best = null,
      bestScore = -Infinity;
    for (const w of candidates) {
      const s = this.score(w, logp);
      if (s > bestScore) {
        best = w;
        bestScore = s;
      }
    }
    if (this.memo.size >= this.config.memo) this.memo.clear();
    this.memo.set(key, best);
    return best;
  }

  score(word, logp) {
    let evidence = 0;
    for (let i = 0; i < word.length; i++) evidence += logp[i][word.charCodeAt(i) - 65];
    return evidence + this.weight * this.language.logprob(word);
  }

  beam(logp) {
    let beam = [[0, ""]];
    for (const row of logp) {
      const tried = row
        .map((v, i) => [v, i])
        .sort((a, b) => b[0] - a[0] || b[1] - a[1])
        .slice(0, this.config.per_letter)
        .map((x) => x[1]);
      const grown = [];
      for (const [score, prefix] of beam) {
        const following = this.language.spelling.nextProbs(prefix);
        for (const c of tried)
          grown.push([score + row[c] + this.weight * Math.log(following[c]), prefix + ALPHABET[c]]);
      }
      beam = grown.sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0)).slice(0, this.config.beam);
    }
    return beam.map(([, w]) => w);
  }

  known(logp) {
    const words = this.language.lexicon.ofLength(logp.length);
    const ranked = words.map((w) => {
      let evidence = 0;
      for (let i = 0; i < w.length; i++) evidence += logp[i][w.charCodeAt(i) - 65];
      return [evidence + this.weight * (this.language.logShare + this.language.lexicon.logp.get(w)), w];
    });
    return ranked
      .sort((a, b) => b[0] - a[0])
      .slice(0, this.config.known)
      .map(([, w]) => w);
  }
}

/** Text from committed entries [letter, probs] ([" ", null] a space): each run of letters decoded as a word. */
export function decodeText(decoder, entries) {
  const out = [];
  let word = "",
    probs = [];
  const flush = () => {
    if (word) out.push(decoder.word(word, probs));
    word = "";
    probs = [];
  };
  for (const [letter, p] of entries) {
    if (letter === " ") {
      flush();
      out.push(" ");
    } else {
      word += letter;
      probs.push(p);
    }
  }
  flush();
  return out.join("");
}
