// The Practice mode's hints of signmnist.live.hints, ported rule for rule (tests/js/ checks them against
// Python's answers): a hand against the letter's built hand in the palm's frame (each finger's bend, the thumb
// tip's place, the index-middle spread, where the fingers point, which way the palm faces); the largest
// difference over its tolerance, in words. The built hands, tolerances and thumb places come from Python
// (model.json's page.practice).
import { INDEX_MCP, MIDDLE_MCP, PINKY_MCP, THUMB_TIP, WRIST } from "./hand.mjs";

const sub = (a, b) => a.map((v, i) => v - b[i]);
const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a) => Math.sqrt(dot(a, a));
const unit = (a) => a.map((v) => v / Math.max(norm(a), 1e-12));
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const angle = (a, b) => (Math.acos(Math.min(1, Math.max(-1, dot(a, b) / (norm(a) * norm(b) + 1e-12)))) * 180) / Math.PI;

/** A hand's measures, from landmarks [[x, y, z] x 21] as MediaPipe gives them. */
export function measure(points, config, right = true) {
  const s = [right ? 1 : -1, -1, -1]; // y up, z towards the camera
  const p0 = points.map((q) => q.map((v, i) => v * s[i]));
  const p = p0.map((q) => sub(q, p0[WRIST]));
  const palm = Math.max(norm(p[MIDDLE_MCP]), 1e-6);
  const across = unit(sub(p[INDEX_MCP], p[PINKY_MCP]));
  const normal = unit(cross(across, sub(p[MIDDLE_MCP], p[WRIST])));
  const frame = [across, cross(normal, across), normal];
  const inFrame = (v) => frame.map((axis) => dot(axis, v));
  const bend = config.joints.map((joints) => {
    const chain = [WRIST, ...joints].map((j) => p[j]);
    const bones = chain.slice(1).map((q, i) => sub(q, chain[i]));
    let sum = 0;
    for (let i = 0; i + 1 < bones.length; i++) sum += angle(bones[i], bones[i + 1]);
    return sum;
  });
  const [index, middle] = config.joints.slice(0, 2).map((j) => inFrame(sub(p[j[3]], p[j[0]])));
  const up = p[MIDDLE_MCP];
  return {
    bend,
    thumb: inFrame(p[THUMB_TIP]).map((v) => v / palm),
    spread: angle(index.slice(0, 2), middle.slice(0, 2)),
    point: (Math.atan2(up[0], up[1]) * 180) / Math.PI,
    face: frame[2][2],
  };
}

/** Each difference: name -> [size in tolerances, signed amount]. */
export function differences(hand, target, config) {
  const tol = config.tolerance,
    out = {};
  config.fingers.forEach((name, f) => {
    const d = hand.bend[f] - target.bend[f];
    out[`bend_${name}`] = [Math.abs(d) / tol.bend, d];
  });
  out.thumb = [norm(sub(hand.thumb, target.thumb)) / tol.thumb, 0];
  const d = hand.spread - target.spread;
  const straight = Math.max(...hand.bend.slice(0, 2), ...target.bend.slice(0, 2)) < config.straight;
  out.spread = [straight ? Math.abs(d) / tol.spread : 0, d];
  const turn = ((((hand.point - target.point + 180) % 360) + 360) % 360) - 180;
  out.point = [Math.abs(turn) / tol.point, turn];
  const face = hand.face - target.face;
  out.face = [Math.abs(face) / tol.face, face];
  return out;
}

function direction(degrees) {
  const a = Math.abs(((((degrees + 180) % 360) + 360) % 360) - 180);
  return a < 45 ? "up" : a > 135 ? "down" : "sideways";
}

const targets = new WeakMap(); // config -> Map(letter -> the measures of its built hand), measured once

function targetOf(letter, config) {
  if (!targets.has(config)) targets.set(config, new Map());
  const known = targets.get(config);
  if (!known.has(letter)) known.set(letter, measure(config.hands[letter], config));
  return known.get(letter);
}

/** The one change that brings the hand nearest the letter's built hand, in words; "" when none is needed. */
export function hint(points, letter, config, right = true) {
  const built = config.hands[letter];
  if (!built || !points || points.some((q) => q.some((v) => !Number.isFinite(v)))) return "";
  const target = targetOf(letter, config);
  const off = differences(measure(points, config, right), target, config);
  let worst = null;
  for (const k of Object.keys(off)) if (worst === null || off[k][0] > off[worst][0]) worst = k;
  if (!(off[worst][0] > 1)) return "";
  const amount = off[worst][1];
  if (worst.startsWith("bend_")) return `${amount < 0 ? "curl" : "straighten"} the ${worst.slice(5)} finger`;
  if (worst === "thumb") return `the thumb tip should ${config.thumb[letter]}`;
  if (worst === "spread")
    return amount > 0 ? "hold the index and middle fingers together" : "spread the index and middle fingers apart";
  if (worst === "point") return `point the fingers ${direction(target.point)}`;
  return amount < 0 ? "turn the palm towards the camera" : "turn the palm away from the camera";
}
