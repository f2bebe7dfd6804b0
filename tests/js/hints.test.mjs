// The Practice mode's hints against Python's (signmnist.live.hints): the same hands and letters, the same words.
import assert from "node:assert/strict";
import { test } from "node:test";
import { golden, unpack, WEB } from "./load.mjs";

const { hint } = await import(new URL("hints.mjs", WEB));
const page = golden("page.json"),
  cases = golden("hints.json");
const points = (b64) => {
  const flat = unpack(b64, true);
  return Array.from({ length: 21 }, (_, i) => Array.from(flat.subarray(3 * i, 3 * i + 3)));
};

test("the page's hint for each hand and letter is Python's", () => {
  const got = cases.map((c) => hint(points(c.points), c.letter, page.practice, c.right));
  assert.deepEqual(
    got,
    cases.map((c) => c.hint),
  );
  assert.ok(new Set(got).size >= 8, "the cases cover many kinds of hint");
  assert.ok(got.includes(""), "and hands that need none");
});

test("no hand, or a letter without a built hand, gives no hint", () => {
  assert.equal(hint(null, "A", page.practice), "");
  assert.equal(hint(page.practice.hands.A, "J", page.practice), "");
  assert.equal(hint(page.practice.hands.A, "A", page.practice), "");
});
