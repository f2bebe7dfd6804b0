// The Practice mode's logic (practice.mjs) on frames made from the built hands in the page config.
import assert from "node:assert/strict";
import { test } from "node:test";
import { golden, WEB } from "./load.mjs";

const { Practice, HOLD_S, HINT_AFTER_S, STORE } = await import(new URL("practice.mjs", WEB));
const page = golden("page.json"),
  labels = golden("spelling.json").labels;

function memory() {
  const m = new Map();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => m.set(k, String(v)), m };
}
/** A frame read as `letter`, its hand the letter's built hand. */
const frame = (letter) => ({ letter, probability: 0.9, probs: labels.map((l) => (l === letter ? 0.9 : 0.004)),
                             hand: page.practice.hands[letter], right: true }); // biome-ignore format: one frame

function feed(p, letter, seconds, t0, fps = 15) {
  let t = t0;
  for (let k = 0; k < seconds * fps; k++) {
    t = t0 + k / fps;
    p.update(frame(letter), t);
  }
  return t + 1 / fps;
}

test("a learner spells HI: each letter ticked once held, a hint after a wrong letter, the speed at the end", () => {
  const storage = memory(),
    p = new Practice(labels, page, storage);
  p.start("hi!");
  assert.deepEqual(p.state(), { word: "HI", index: 0, done: false, hint: "", lettersPerMinute: 0 });
  let t = feed(p, "H", HOLD_S + 0.2, 0);
  assert.equal(p.state().index, 1, "H held long enough is ticked");
  t = feed(p, "Y", HINT_AFTER_S - 0.5, t);
  assert.equal(p.state().hint, "", "no hint before a few seconds of a wrong letter");
  t = feed(p, "Y", 1, t);
  assert.match(p.state().hint, /thumb|finger|palm|point/, "a hint from the hands, in words");
  feed(p, "I", HOLD_S + 0.2, t);
  const s = p.state();
  assert.equal(s.index, 2);
  assert.ok(s.done && s.hint === "");
  assert.ok(s.lettersPerMinute > 10 && s.lettersPerMinute < 60, `${s.lettersPerMinute} letters a minute`);
  assert.equal(p.accuracy, 0.5, "I needed a hint");
  const stats = JSON.parse(storage.m.get(STORE));
  assert.equal(stats.I.hints, 1);
  assert.equal(stats.H.n, 1);
  assert.equal(p.weakest(1)[0], "I");
});

test("a skip goes on to the next letter and counts against it; a broken record starts again", () => {
  const storage = memory(),
    p = new Practice(labels, page, storage);
  p.start("AB");
  feed(p, "S", 1, 0);
  p.skip();
  assert.equal(p.state().index, 1);
  feed(p, "B", 1, 2);
  assert.ok(p.state().done);
  assert.equal(JSON.parse(storage.m.get(STORE)).A.skips, 1);
  storage.setItem(STORE, "{not json");
  assert.deepEqual(new Practice(labels, page, storage).stats(), {});
});

test("a left hand is compared mirrored, not as a right hand", () => {
  const p = new Practice(labels, page);
  p.start("K");
  const left = page.practice.hands.K.map(([x, y, z]) => [400 - x, y, z]);
  for (let k = 0; k < 60; k++)
    p.update({ letter: "P", probability: 0.9, probs: null, hand: left, right: false }, k / 15);
  assert.equal(p.state().hint, "that reads as P", "the hand is K's: no change to suggest, only what it reads as");
});

test("the second of a double letter counts once signed anew: a slide of the hand, or the letter let go", () => {
  const p = new Practice(labels, page, memory()),
    slid = (letter, dx) => ({ ...frame(letter), hand: frame(letter).hand.map(([x, y, z]) => [x + dx, y, z]) });
  p.start("ll");
  let t = feed(p, "L", HOLD_S + 0.2, 0);
  assert.equal(p.state().index, 1, "the first L");
  t = feed(p, "L", 2, t);
  assert.equal(p.state().index, 1, "holding on is one L, not two");
  assert.match(p.state().hint, /slide your hand sideways .* second L/);
  for (let k = 0; k < 4; k++, t += 1 / 15) p.update(slid("L", 30 * k), t); // a slide of most of a palm in 0.2 s
  assert.equal(p.state().hint, "", "the slide is the new sign");
  for (let k = 0; k < 12; k++, t += 1 / 15) p.update(slid("L", 90), t);
  assert.ok(p.state().done, "then held, the second L");
  p.start("ll");
  t = feed(p, "L", HOLD_S + 0.2, 0);
  t = feed(p, "A", 0.2, t); // let go of the letter for a moment
  feed(p, "L", HOLD_S + 0.2, t);
  assert.ok(p.state().done, "or let go and signed again");
});
