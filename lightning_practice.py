"""The original study script: its two commands still work as they always did; the work is done by the package.

    python lightning_practice.py --fast_dev_run True   # one train batch and one val batch
    python lightning_practice.py                       # train the seed MLP for 10 epochs, test, predict

Training uses the shipped config `mlp` (src/signmnist/model/configs/mlp.yaml); the best checkpoint (lowest
validation loss) is kept in checkpoints/mlp/, tested on the official test set, and used to print the
first test sample's class and its 25 probabilities.
"""

import argparse

from signmnist.core.errors import run_guarded
from signmnist.inference.predict import print_first_test_prediction
from signmnist.model import configs
from signmnist.model.cli import cli_main


def _bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected True or False, got {text!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast_dev_run", type=_bool, default=False, help="one train and one val batch, then exit")
    args = parser.parse_args()
    config = str(configs.shipped("mlp"))
    cli = cli_main(["fit", "--config", config, "--trainer.fast_dev_run", str(args.fast_dev_run)])
    # After fit, the CLI has tested the best checkpoint, whose weights are now in cli.model.
    print_first_test_prediction(cli.model, cli.datamodule)


if __name__ == "__main__":
    run_guarded(main)
