// Teaching the model one signer's hand on the device: a head on the model's log-probabilities, fitted with
// full-batch Adam and pulled towards the base model. signmnist.inference.taught is the reference, step for
// step (tests/js/teach.test.mjs checks the two against golden files); its settings come from the page config.

/** Probabilities -> floored log-probabilities (what the head reads). */
export function logProbs(probs, cfg) {
  return probs.map((p) => Math.log(Math.min(1, Math.max(cfg.floor, p))));
}

function softmax(logits) {
  const top = Math.max(...logits),
    e = logits.map((v) => Math.exp(v - top)),
    sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** logits = z + z·W + b for one row of log-probabilities z. */
function headLogits(z, weights, bias) {
  return bias.map((b, j) => z[j] + b + z.reduce((acc, zi, i) => acc + zi * weights[i][j], 0));
}

/** Fit W (C x C) and b (C) on rows of log-probabilities `zs` and their class indices `labels`. */
export function fitHead(zs, labels, cfg) {
  const n = zs.length,
    c = zs[0].length;
  const zeros = () => Array.from({ length: c }, () => new Array(c).fill(0));
  const w = zeros(),
    b = new Array(c).fill(0);
  const mw = zeros(),
    vw = zeros(),
    mb = new Array(c).fill(0),
    vb = new Array(c).fill(0);
  const adam = (p, grad, m, v, t) => {
    m[0] = 0.9 * m[0] + 0.1 * grad;
    v[0] = 0.999 * v[0] + 0.001 * grad * grad;
    return p - (cfg.lr * (m[0] / (1 - 0.9 ** t))) / (Math.sqrt(v[0] / (1 - 0.999 ** t)) + 1e-8);
  };
  for (let t = 1; t <= cfg.steps; t++) {
    const gw = zeros(),
      gb = new Array(c).fill(0);
    for (let r = 0; r < n; r++) {
      const p = softmax(headLogits(zs[r], w, b));
      for (let j = 0; j < c; j++) {
        const g = (p[j] - (labels[r] === j ? 1 : 0)) / n;
        gb[j] += g;
        for (let i = 0; i < c; i++) gw[i][j] += zs[r][i] * g;
      }
    }
    for (let i = 0; i < c; i++) {
      for (let j = 0; j < c; j++) {
        const m = [mw[i][j]],
          v = [vw[i][j]];
        w[i][j] = adam(w[i][j], gw[i][j] + 2 * cfg.strength * w[i][j], m, v, t);
        [mw[i][j], vw[i][j]] = [m[0], v[0]];
      }
      const m = [mb[i]],
        v = [vb[i]];
      b[i] = adam(b[i], gb[i] + 2 * cfg.strength * b[i], m, v, t);
      [mb[i], vb[i]] = [m[0], v[0]];
    }
  }
  return { weights: w, bias: b };
}

/** The base model's probabilities -> the taught model's. */
export function applyHead(probs, head, cfg) {
  return softmax(headLogits(logProbs(probs, cfg), head.weights, head.bias));
}

const finite = (v) => typeof v === "number" && Number.isFinite(v);

/** Check a saved or imported head against the model in use; returns it, or throws an Error that says why. */
export function checkHead(raw, meta) {
  const cfg = meta.page.teach;
  if (!raw || typeof raw !== "object" || raw.format !== cfg.format)
    throw new Error(`not a taught model this page exported (expected format ${cfg.format})`);
  if (raw.model !== meta.sha256)
    throw new Error("it was taught on another model than this page's (a new version of the page?): teach again");
  const c = meta.labels.length;
  if (!Array.isArray(raw.labels) || raw.labels.join("") !== meta.labels.join(""))
    throw new Error("its letters are not this model's");
  const square = Array.isArray(raw.weights) && raw.weights.length === c;
  if (!square || !raw.weights.every((row) => Array.isArray(row) && row.length === c && row.every(finite)))
    throw new Error(`field 'weights': expected ${c} x ${c} finite numbers`);
  if (!Array.isArray(raw.bias) || raw.bias.length !== c || !raw.bias.every(finite))
    throw new Error(`field 'bias': expected ${c} finite numbers`);
  return raw;
}

/** A fitted head as the page saves and exports it (signmnist.inference.taught.TaughtHead reads it). */
export function headFile(fitted, meta, info) {
  return {
    format: meta.page.teach.format,
    model: meta.sha256,
    labels: meta.labels,
    weights: fitted.weights,
    bias: fitted.bias,
    info,
  };
}
