// The English prior of signmnist.live.language, ported: a character 5-gram model of spelling (Witten-Bell
// interpolation down to uniform, each distinct word counted once) and a lexicon of known words by
// frequency, mixed half and half, both made from the package's word list (english_words.tsv.gz).
export const EDGE = 26,
  SYMBOLS = 27;
const codes = (word) => [...word].map((c) => c.charCodeAt(0) - 65);

export class CharLM {
  constructor(words, order = 5) {
    this.order = order;
    this.tables = Array.from({ length: order }, () => new Map()); // k -> context of k symbols -> counts (27)
    for (const word of words) {
      const padded = [...Array(order - 1).fill(EDGE), ...codes(word), EDGE];
      for (let i = order - 1; i < padded.length; i++) {
        for (let k = 0; k < order; k++) {
          const key = padded.slice(i - k, i).join(",");
          let counts = this.tables[k].get(key);
          if (!counts) {
            counts = new Float64Array(SYMBOLS);
            this.tables[k].set(key, counts);
          }
          counts[padded[i]]++;
        }
      }
    }
    this.cache = new Map();
  }

  /** P(next symbol | the word so far): Float64Array (27) over A-Z and the word's end (26). */
  nextProbs(prefix) {
    let probs = this.cache.get(prefix);
    if (probs) return probs;
    const context = codes(prefix).slice(-(this.order - 1));
    while (context.length < this.order - 1) context.unshift(EDGE);
    probs = new Float64Array(SYMBOLS).fill(1 / SYMBOLS);
    for (let k = 0; k < this.order; k++) {
      const counts = this.tables[k].get(context.slice(context.length - k).join(","));
      if (!counts) continue;
      let total = 0,
        distinct = 0;
      for (const c of counts) {
        total += c;
        distinct += c > 0;
      }
      probs = probs.map((p, s) => (counts[s] + distinct * p) / (total + distinct));
    }
    this.cache.set(prefix, probs);
    return probs;
  }

  logprob(word) {
    let total = 0;
    [...codes(word), EDGE].forEach((s, i) => {
      total += Math.log(this.nextProbs(word.slice(0, i))[s]);
    });
    return total;
  }
}

export class Lexicon {
  constructor(zipf) {
    // Map word -> Zipf frequency
    let sum = 0;
    for (const z of zipf.values()) sum += 10 ** z;
    this.logp = new Map([...zipf].map(([w, z]) => [w, Math.log(10 ** z / sum)]));
    this.byLength = new Map();
    for (const w of zipf.keys()) {
      if (!this.byLength.has(w.length)) this.byLength.set(w.length, []);
      this.byLength.get(w.length).push(w);
    }
  }
  ofLength(n) {
    return this.byLength.get(n) || [];
  }
}

export class LanguageModel {
  constructor(spelling, lexicon, share = 0.5) {
    this.spelling = spelling;
    this.lexicon = lexicon;
    this.logShare = Math.log(share);
    this.logRest = Math.log1p(-share);
  }
  logprob(word) {
    const spelt = this.logRest + this.spelling.logprob(word),
      known = this.lexicon.logp.get(word);
    if (known === undefined) return spelt;
    const a = spelt,
      b = this.logShare + known,
      m = Math.max(a, b);
    return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
  }
}

/** The English prior from the word list's text (WORD<TAB>ZIPF lines). */
export function fromText(text) {
  const zipf = new Map(
    text
      .trim()
      .split("\n")
      .map((line) => {
        const [w, z] = line.split("\t");
        return [w, parseFloat(z)];
      }),
  );
  return new LanguageModel(new CharLM(zipf.keys()), new Lexicon(zipf));
}

/** The English prior from the gzipped word list at `url`. */
export async function english(url) {
  const stream = (await fetch(url)).body.pipeThrough(new DecompressionStream("gzip"));
  return fromText(await new Response(stream).text());
}
