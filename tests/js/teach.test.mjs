// Teaching in the page against Python's reference (signmnist.inference.taught): the same answers and labels
// give the same head, and the head the same probabilities; a bad saved or imported head is refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { golden, WEB } from "./load.mjs";

const { applyHead, checkHead, fitHead, headFile, logProbs } = await import(new URL("teach.mjs", WEB));
const page = golden("page.json"),
  c = golden("teach.json"),
  cfg = page.teach;
const close = (a, b, tol) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

test("the page fits Python's head on the same answers, and reads with it as Python does", () => {
  const head = fitHead(
    c.probs.map((p) => logProbs(p, cfg)),
    c.labels,
    cfg,
  );
  assert.ok(head.weights.every((row, i) => close(row, c.weights[i], 1e-6)));
  assert.ok(close(head.bias, c.bias, 1e-6));
  const got = c.more.map((p) => applyHead(p, head, cfg));
  assert.ok(got.every((p, i) => close(p, c.taught[i], 1e-6)));
  const argmax = (p) => p.indexOf(Math.max(...p));
  const right = (ps) => ps.filter((p, i) => argmax(p) === c.truth[i]).length;
  assert.ok(right(got) >= 36 && right(c.more) <= 32, `the head reads the signer: ${right(c.more)} -> ${right(got)}`);
});

test("a head of zeros is the base model", () => {
  const n = c.more[0].length,
    zero = { weights: Array.from({ length: n }, () => new Array(n).fill(0)), bias: new Array(n).fill(0) };
  const p = applyHead(c.more[0], zero, cfg);
  assert.ok(close(p, c.more[0], 1e-5));
});

test("a saved head is checked against the model in use, field by field", () => {
  const labels = Array.from({ length: c.bias.length }, (_, i) => String.fromCharCode(65 + i));
  const meta = { sha256: "a".repeat(64), labels, page };
  const good = headFile({ weights: c.weights, bias: c.bias }, meta, { photos: 96 });
  assert.equal(checkHead(good, meta), good);
  assert.throws(() => checkHead({ ...good, format: "x" }, meta), /not a taught model/);
  assert.throws(() => checkHead({ ...good, model: "b".repeat(64) }, meta), /another model/);
  assert.throws(() => checkHead({ ...good, bias: [1, 2] }, meta), /field 'bias'/);
  const nan = good.weights.map((row, i) => (i ? row : [Number.NaN, ...row.slice(1)]));
  assert.throws(() => checkHead({ ...good, weights: nan }, meta), /field 'weights'/);
  assert.throws(() => checkHead(null, meta), /not a taught model/);
});
