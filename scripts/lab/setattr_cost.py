"""What SignMNISTSystem.__setattr__ saves: the cost of one attribute set with and without it, and how
many sets Lightning makes per training step of the seed MLP (one epoch on the bundled data).

    .venv/bin/python scripts/lab/setattr_cost.py
"""

import logging
import timeit

from signmnist.bench.common import datamodule, quiet_trainer
from signmnist.core.facts import TEST_CSV, TRAIN_CSV
from signmnist.model.system import SignMNISTSystem

OVERRIDE = SignMNISTSystem.__setattr__


def cost_per_set(n: int = 200_000) -> tuple[float, float]:
    """Microseconds per `system._current_fx_name = ...`, with and without the override."""
    system = SignMNISTSystem(arch="mlp")
    with_it = timeit.timeit(lambda: setattr(system, "_current_fx_name", "training_step"), number=n) / n
    del SignMNISTSystem.__setattr__
    try:
        without = timeit.timeit(lambda: setattr(system, "_current_fx_name", "training_step"), number=n) / n
    finally:
        SignMNISTSystem.__setattr__ = OVERRIDE
    return with_it * 1e6, without * 1e6


def sets_per_step() -> float:
    """Attribute sets per training step in one epoch of the seed MLP."""
    count = [0]

    def counting(self: SignMNISTSystem, name: str, value: object) -> None:
        count[0] += 1
        OVERRIDE(self, name, value)

    SignMNISTSystem.__setattr__ = counting
    try:
        trainer = quiet_trainer(1)
        dm = datamodule("mlp", TRAIN_CSV, TEST_CSV)
        trainer.fit(SignMNISTSystem(arch="mlp", augment="none", optimizer="adam"), datamodule=dm)
    finally:
        SignMNISTSystem.__setattr__ = OVERRIDE
    return count[0] / trainer.global_step


if __name__ == "__main__":
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    for _ in range(3):
        with_it, without = cost_per_set()
        print(f"us per set: with {with_it:.2f}, without {without:.2f}")
    print(f"sets per training step: {sets_per_step():.1f}")
