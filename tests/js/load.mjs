// Shared by the node tests: the golden files Python writes (tests/js/golden.py) and the page's modules.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

export const WEB = new URL("../../src/signmnist/web/", import.meta.url);

/** A golden file's JSON. */
export function golden(name) {
  return JSON.parse(readFileSync(new URL(`golden/${name}`, import.meta.url), "utf8"));
}

/** base64 of an array's bytes -> Uint8Array, or Float32Array with `float32`. */
export function unpack(b64, float32 = false) {
  const bytes = new Uint8Array(Buffer.from(b64, "base64")); // a copy: aligned for the Float32Array view
  return float32 ? new Float32Array(bytes.buffer) : bytes;
}

/** The package's word list, as the page reads it (WORD<TAB>ZIPF lines). */
export function wordList() {
  return gunzipSync(readFileSync(new URL("../live/english_words.tsv.gz", WEB))).toString("utf8");
}
