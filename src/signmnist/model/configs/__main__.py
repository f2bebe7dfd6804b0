"""`python -m signmnist.model.configs seeds NAME`: a shipped config's ensemble seeds, space-separated (the
Makefile's PHOTO_SEEDS)."""

import sys

from signmnist.model.configs import ensemble_seeds

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "seeds":
        sys.exit("usage: python -m signmnist.model.configs seeds NAME")
    print(*ensemble_seeds(sys.argv[2]))
