// The page's speller, decoder and language prior against Python's (signmnist.live): the same recorded frames
// give the same letters and the same decoded words, with the settings Python wrote into the page config.
import assert from "node:assert/strict";
import { test } from "node:test";
import { golden, unpack, WEB, wordList } from "./load.mjs";

const { Speller } = await import(new URL("speller.mjs", WEB));
const { Decoder, decodeText } = await import(new URL("decoder.mjs", WEB));
const { fromText } = await import(new URL("language.mjs", WEB));
const page = golden("page.json"),
  spelling = golden("spelling.json");
const english = fromText(wordList());
const probs = (b64) => (b64 === null ? null : Array.from(unpack(b64, true)));
const points = (b64) => {
  if (b64 === null) return null;
  const flat = unpack(b64, true);
  return Array.from({ length: flat.length / 3 }, (_, i) => Array.from(flat.subarray(3 * i, 3 * i + 3)));
};

test("the speller reads Python's letters and the decoder writes Python's words", () => {
  const decoder = new Decoder(spelling.labels, english, page.decoder);
  const speller = new Speller(spelling.labels, page.speller, decoder);
  const states = [];
  spelling.frames.forEach(([p, hand, t, q], k) => {
    speller.update(probs(p), hand, t, points(q));
    if (k % 7 === 0) states.push([k, speller.letter, Math.round(speller.progress * 1e9) / 1e9, speller.pending]);
  });
  assert.deepEqual(states, spelling.states);
  assert.ok(spelling.raw.replaceAll(" ", "").length >= 20, "the recording reads letters");
  assert.ok(/(.)\1/.test(spelling.raw), "the recording reads a double letter");
  assert.equal(speller.text, spelling.raw);
  assert.equal(speller.decoded, spelling.text);
  assert.notEqual(spelling.text, spelling.raw, "the prior changed some words");
});

test("a doubtful T in SHANK is mended to THANK, as in Python", () => {
  const decoder = new Decoder(spelling.labels, english, page.decoder);
  const entries = spelling.doubtful.map(([c, p]) => [c, probs(p)]);
  assert.equal(decodeText(decoder, entries), spelling.mended);
  assert.equal(spelling.mended, "THANK");
});

test("the decoder's memory is bounded by Python's cap", () => {
  const decoder = new Decoder(spelling.labels, english, { ...page.decoder, memo: 3 });
  const p = probs(spelling.doubtful[1][1]);
  for (let i = 0; i < 10; i++) decoder.word("H", [p.map((v, k) => (k === i ? v + 1e-3 : v))]);
  assert.ok(decoder.memo.size <= 3, `memo holds ${decoder.memo.size} entries`);
  assert.ok(page.decoder.memo >= 1000, "Python's cap reaches the page");
});

test("a speller without Python's settings is refused, not guessed", () => {
  assert.throws(() => new Speller(spelling.labels, {}), /speller threshold: expected a number/);
});

test("J and Z drawn in the air are read as in Python, and the path being traced is Python's", () => {
  const drawn = golden("drawn.json");
  const decoder = new Decoder(drawn.labels, english, page.decoder);
  const speller = new Speller(drawn.labels, page.speller, decoder);
  const states = [];
  drawn.frames.forEach(([p, hand, q], k) => {
    speller.update(probs(p), hand, k / 30, points(q));
    if (k % 3 === 0) {
      const trace = speller.trace ? speller.trace[speller.trace.length - 1].map((v) => Math.round(v * 1e3) / 1e3) : [];
      states.push([k, speller.letter, Math.round(speller.progress * 1e9) / 1e9, speller.pending, trace]);
    }
  });
  assert.equal(drawn.raw, "AJAZZ FIJI ", "Python reads the recording");
  assert.ok(
    drawn.states.some((s) => s[4].length),
    "Python shows a path being traced",
  );
  assert.deepEqual(states, drawn.states);
  assert.equal(speller.text, drawn.raw);
  assert.equal(speller.decoded, drawn.text);
});
