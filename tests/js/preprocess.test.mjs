// The page's preparation of the model's views against Python's (signmnist.vision.images): the square around
// the hand, the plain crop, Pillow's resampling, the backdrop trim and "fills the frame", pixel for pixel.
import assert from "node:assert/strict";
import { test } from "node:test";
import { golden, unpack, WEB } from "./load.mjs";

const { configure, fillsFrame, trimSquare, views } = await import(new URL("preprocess.mjs", WEB));
configure(golden("page.json"));
const cases = golden("preprocess.json");

test("the plain view of each image and hand is Python's, pixel for pixel", () => {
  for (const [i, c] of cases.entries()) {
    const got = views(unpack(c.gray), c.w, c.h, c.points, [false], 28);
    assert.deepEqual(Array.from(got), Array.from(unpack(c.view)), `case ${i} (${c.w}x${c.h}, hand: ${!!c.points})`);
  }
});

test("the backdrop trim and 'fills the frame' are Python's", () => {
  for (const [i, c] of cases.entries()) {
    const [square, side] = trimSquare(unpack(c.gray), c.w, c.h);
    assert.equal(side, c.trim_side, `case ${i}`);
    assert.deepEqual(Array.from(square), Array.from(unpack(c.trim)), `case ${i}`);
    assert.equal(fillsFrame(unpack(c.gray), c.w, c.h), c.fills, `case ${i}`);
  }
});

test("the cases cover hands, no hands, busy borders and both resampling filters", () => {
  assert.ok(cases.some((c) => c.points) && cases.some((c) => !c.points));
  assert.ok(cases.some((c) => c.trim_side > 28) && cases.some((c) => c.trim_side < 28));
  assert.ok(cases.some((c) => c.fills) && cases.some((c) => !c.fills));
});
