// The Live transcript, shown the same way by the server's page and the offline page: the words read so far,
// then the word still being read (which later frames may change) underlined, so that a revision is visible.

/** Show `text` in `element`, its last `pending` characters as the word still being read. */
export function showTranscript(element, text, pending = 0) {
  const cut = Math.max(0, text.length - pending);
  const word = document.createElement("span");
  word.className = "pending";
  word.title = "still being read: later letters may change it";
  word.textContent = text.slice(cut);
  element.replaceChildren(document.createTextNode(text.slice(0, cut)), word);
}
