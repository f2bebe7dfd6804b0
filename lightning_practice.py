"""The original study script, kept as a thin wrapper over the `signmnist` package.

    python lightning_practice.py --fast_dev_run True   # one train batch and one val batch
    python lightning_practice.py                       # train the seed MLP for 10 epochs, test, predict

Training uses configs/mlp.yaml; the best checkpoint (by validation accuracy) is kept in checkpoints/mlp/.
"""

import argparse
from pathlib import Path

from signmnist.cli import cli_main
from signmnist.commands import run_guarded
from signmnist.predict import print_first_test_prediction

CONFIG = Path(__file__).resolve().parent / "configs" / "mlp.yaml"


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
    cli = cli_main(["fit", "--config", str(CONFIG), "--trainer.fast_dev_run", str(args.fast_dev_run)])
    # After fit, the CLI has tested the best checkpoint, whose weights are now in cli.model.
    print_first_test_prediction(cli.model, cli.datamodule)


if __name__ == "__main__":
    run_guarded(main)
