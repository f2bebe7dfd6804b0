"""Facts about the data that every layer shares: the letters, the image size, the pixel statistics, and
the number of hand landmarks MediaPipe finds, the bundled dataset's files. Defined once here; nothing here imports
the package."""

from pathlib import Path

# Sign Language MNIST labels 0..24 map to A..Y; 9 (J) needs motion and has no samples.
LETTERS: tuple[str, ...] = tuple("ABCDEFGHIJKLMNOPQRSTUVWXY")
MISSING_LABELS: frozenset[int] = frozenset({9})
NUM_CLASSES = len(LETTERS)
IMAGE_SIZE = 28  # the dataset's images are 28x28 grayscale

# Mean and std of train-set pixels scaled to [0, 1] (computed once over all 27,455 rows).
PIXEL_MEAN = 0.6247
PIXEL_STD = 0.1913

NUM_POINTS = 21  # MediaPipe's hand landmarks: the wrist, then four joints per finger

# The dataset as a checkout bundles it (relative to the checkout, where every command runs by default).
TRAIN_CSV = Path("data/sign_mnist_train.csv.gz")
TEST_CSV = Path("data/sign_mnist_test.csv.gz")


def letter(label: int) -> str:
    """Return the letter for a class index (0 -> 'A', 24 -> 'Y')."""
    return LETTERS[label]
