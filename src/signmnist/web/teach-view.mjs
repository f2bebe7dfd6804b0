// The offline page's Teach tab: a few photos of each letter from this person (files, or frames from the
// camera) teach the model their hand on this device (teach.mjs); the taught head is kept in IndexedDB,
// exported and imported as a file (`signmnist classify --ckpt me.json` reads it too). Nothing leaves the device.

import { checkHead, fitHead, headFile, logProbs } from "./teach.mjs";

const $ = (id) => document.getElementById(id);
const DB = "signmnist",
  STORE = "taught",
  KEY = "head";

/** One IndexedDB request on the taught store, as a promise (`work` gets the store). */
function stored(mode, work) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      try {
        const tx = open.result.transaction(STORE, mode),
          request = work(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = tx.onabort = () => reject(tx.error || request.error);
      } catch (e) {
        reject(e); // e.g. QuotaExceededError thrown by put itself
      }
    };
  });
}

/** Mount the Teach tab; returns its hook {fromUrls, reset, state}. `engine` is signmnist.mjs. */
export function mountTeach(meta, engine) {
  const cfg = meta.page.teach,
    letters = meta.labels.filter((l) => l !== "J" && l !== "Z");
  const photos = new Map(letters.map((l) => [l, []])); // letter -> object URLs added on this page
  let taught = null,
    busy = false,
    camera = null;
  const status = (text, isError = false) => {
    $("teach-status").textContent = text;
    $("teach-status").className = "status" + (isError ? " error" : "");
  };
  const showCounts = () => {
    const have = letters.filter((l) => photos.get(l).length);
    $("teach-counts").textContent = have.length
      ? have.map((l) => `${l} ${photos.get(l).length}`).join(" · ")
      : "No photos yet: 5 of each letter you sign is plenty.";
    $("teach-run").disabled = busy || !have.length;
    $("teach-reset").disabled = busy || !taught;
    $("teach-export").disabled = busy || !taught;
  };
  const use = (head, note) => {
    taught = head;
    engine.useHead(head);
    $("teach-model").textContent = head
      ? `In use: your model, taught on ${head.info.photos} photos of ${head.info.letters}${note ? ` (${note})` : ""}.`
      : "In use: the base model.";
    showCounts();
  };
  $("teach-letter").replaceChildren(...letters.map((l) => new Option(l, l)));

  async function keep(head) {
    try {
      await stored("readwrite", (s) => s.put(JSON.stringify(head), KEY));
      return "";
    } catch (e) {
      return e?.name === "QuotaExceededError" || /quota/i.test(String(e?.message))
        ? "the browser's storage is full, so it lasts until this page closes: Export it to keep it"
        : `it could not be kept in this browser (${e?.message || e}): Export it to keep it`;
    }
  }

  /** Teach from photos at same-origin URLs ({A: [url, ...], ...}); resolves with what was learnt. */
  async function fromUrls(byLetter) {
    if (busy) throw new Error("a teaching is already running");
    const entries = Object.entries(byLetter || {});
    const bad = entries.find(([l, urls]) => !letters.includes(l) || !Array.isArray(urls) || !urls.length);
    if (!entries.length || bad) {
      const why = !entries.length
        ? "no photos given"
        : !letters.includes(bad[0])
          ? `${bad[0]} is not a letter the model reads from a photo (J and Z move)`
          : `no photos of ${bad[0]}`;
      status(`Cannot teach: ${why}.`, true);
      throw new Error(why);
    }
    busy = true;
    showCounts();
    const start = performance.now();
    try {
      const zs = [],
        labels = [],
        noHand = [],
        failed = [];
      const total = entries.reduce((n, [, urls]) => n + urls.length, 0);
      let before = 0;
      for (const [letter, urls] of entries) {
        const k = meta.labels.indexOf(letter);
        for (const url of urls) {
          status(`Reading photo ${zs.length + failed.length + 1} of ${total}…`);
          $("teach-progress").value = (zs.length + failed.length) / total;
          try {
            const r = await engine.readUrl(url); // r.base: the model's own answer, before any taught head
            zs.push(logProbs(r.base, cfg));
            labels.push(k);
            before += r.base.indexOf(Math.max(...r.base)) === k;
            if (!r.hand) noHand.push(`${letter}: ${url.split("/").pop()}`);
          } catch (e) {
            failed.push(e.message);
          }
        }
      }
      if (!zs.length) throw new Error(`none of the ${total} photos could be read (${failed[0]})`);
      status(`Learning from ${zs.length} photos…`);
      await new Promise((r) => setTimeout(r, 0)); // let the page draw the line above
      const fitted = fitHead(zs, labels, cfg);
      const taughtLetters = [...new Set(entries.map(([l]) => l))].sort().join("");
      const info = {
        photos: zs.length,
        letters: taughtLetters,
        no_hand: noHand.length,
        date: new Date().toISOString(),
      };
      const head = headFile(fitted, meta, info);
      const note = await keep(head);
      use(head, note);
      const seconds = (performance.now() - start) / 1000;
      const lines = [`Taught on ${zs.length} photos in ${seconds.toFixed(0)} s: this model now reads your hand.`];
      if (noHand.length)
        lines.push(`No hand found in ${noHand.length} (read from the picture alone): ${noHand.join(", ")}.`);
      if (failed.length) lines.push(`Skipped ${failed.length} that could not be read: ${failed.join("; ")}.`);
      status(lines.join(" "), failed.length > 0);
      $("teach-progress").value = 1;
      return {
        photos: zs.length,
        letters: taughtLetters,
        noHand: noHand.length,
        failed,
        before: before / zs.length,
        seconds,
      };
    } catch (e) {
      status(`Could not teach: ${e.message}`, true);
      throw e;
    } finally {
      busy = false;
      showCounts();
    }
  }

  async function reset() {
    use(null);
    try {
      await stored("readwrite", (s) => s.delete(KEY));
    } catch {
      // nothing kept, or no storage: the base model is in use all the same
    }
    status("Back to the base model.");
  }

  async function restore() {
    let text;
    try {
      text = await stored("readonly", (s) => s.get(KEY));
    } catch {
      return; // no storage in this browser (a private window): nothing was kept
    }
    if (text === undefined) return;
    try {
      use(checkHead(JSON.parse(text), meta), "kept in this browser");
    } catch (e) {
      status(`Your taught model kept in this browser could not be read (${e.message}): using the base model.`, true);
      await stored("readwrite", (s) => s.delete(KEY)).catch(() => {});
    }
  }

  function exportHead() {
    const blob = new Blob([JSON.stringify(taught)], { type: "application/json" });
    const a = Object.assign(document.createElement("a"), {
      href: URL.createObjectURL(blob),
      download: "signmnist-taught.json",
    });
    a.click();
    URL.revokeObjectURL(a.href);
  }

  async function importHead(file) {
    try {
      const head = checkHead(JSON.parse(await file.text()), meta);
      use(head, `imported from ${file.name}`);
      const note = await keep(head);
      status(note ? `Imported ${file.name}; ${note}.` : `Imported ${file.name}.`);
    } catch (e) {
      status(
        `${file.name}: ${e instanceof SyntaxError ? "not a JSON file" : e.message}; the model in use is unchanged.`,
        true,
      );
    }
  }

  async function capture() {
    try {
      if (!camera) {
        camera = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: { ideal: 640 } } });
        $("teach-video").srcObject = camera;
        await $("teach-video").play();
        $("teach-video").hidden = false;
        $("teach-capture").textContent = "Take a photo";
        return;
      }
      const v = $("teach-video"),
        c = Object.assign(document.createElement("canvas"), { width: v.videoWidth, height: v.videoHeight });
      c.getContext("2d").drawImage(v, 0, 0);
      const blob = await new Promise((r) => c.toBlob(r, "image/jpeg", 0.92));
      photos.get($("teach-letter").value).push(URL.createObjectURL(blob));
      showCounts();
    } catch (e) {
      status(
        e.name === "NotAllowedError"
          ? "The camera was refused: add photos from files instead."
          : `No camera: ${e.message}`,
        true,
      );
    }
  }

  function stop() {
    for (const t of camera?.getTracks() || []) t.stop();
    camera = null;
    $("teach-video").hidden = true;
    $("teach-capture").textContent = "Start camera";
  }

  $("teach-files").addEventListener("change", (e) => {
    photos.get($("teach-letter").value).push(...Array.from(e.target.files, (f) => URL.createObjectURL(f)));
    e.target.value = "";
    showCounts();
  });
  $("teach-capture").addEventListener("click", capture);
  $("teach-run").addEventListener("click", () => {
    const given = Object.fromEntries(letters.filter((l) => photos.get(l).length).map((l) => [l, photos.get(l)]));
    fromUrls(given).catch(() => {}); // the status line says why
  });
  $("teach-reset").addEventListener("click", reset);
  $("teach-export").addEventListener("click", exportHead);
  $("teach-import").addEventListener("change", (e) => e.target.files[0] && importHead(e.target.files[0]));
  use(null);
  restore();
  return { fromUrls, reset, stop, state: () => ({ taught: taught ? taught.info : null, busy }) };
}
