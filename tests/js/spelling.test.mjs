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

test("the speller commits Python's letters and the decoder writes Python's words", () => {
  const decoder = new Decoder(spelling.labels, english, page.decoder);
  const speller = new Speller(spelling.labels, page.speller, decoder);
  for (const [p, hand, t] of spelling.frames) speller.update(probs(p), hand, t);
  assert.ok(spelling.raw.replaceAll(" ", "").length >= 10, "the recording commits letters");
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
