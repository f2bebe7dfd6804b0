"""Write the English word list that the spelling decoder's language prior is made from.

    python scripts/english_words.py        # or: make words

The list is wordfreq's English top words (wordfreq 3.1.1, `top_n_list("en", 40000)`), kept where a word
is letters A-Z only, upper-cased, with its Zipf frequency (log10 of uses per billion words), one
`WORD<TAB>ZIPF` line each, gzipped into the package (src/signmnist/live/english_words.tsv.gz, about
150 KB). wordfreq is needed only here (`pip install wordfreq==3.1.1`); the package reads the file.
wordfreq's data is CC BY-SA 4.0 (Robyn Speer, wordfreq; sources in its README), and so is this list.
"""

import gzip
import re
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/signmnist/live/english_words.tsv.gz"
TOP = 40000


def main() -> None:
    import wordfreq

    lines = []
    for word in wordfreq.top_n_list("en", TOP):
        if re.fullmatch(r"[a-z]+", word):
            lines.append(f"{word.upper()}\t{wordfreq.zipf_frequency(word, 'en'):.2f}\n")
    with gzip.GzipFile(OUT, "wb", mtime=0) as f:  # mtime 0: the same list gives the same bytes
        f.write("".join(lines).encode())
    print(f"wrote {OUT} ({len(lines):,} words, {OUT.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
