"""The `signmnist` console script: dispatches to Lightning's CLI or to the tool commands.

Kept free of torch and lightning imports, so that `signmnist classify --ckpt model.onnx ...` runs on
the ONNX runtime alone; each command imports what it needs when it runs.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from jsonargparse import ArgumentParser

from signmnist.core.errors import PROG, OneLineErrors, run_guarded

LIGHTNING_COMMANDS = ("fit", "validate", "test", "predict")


@dataclass(frozen=True)
class Command:
    """A tool command: a typed function, its positional list argument and its on/off flags."""

    target: str  # "module:function"
    positional: str | None = None
    flags: tuple[str, ...] = ()
    many: bool = True  # the positional argument takes several values


# Typed functions exposed through jsonargparse, imported only when called.
COMMANDS: dict[str, Command] = {
    "adapt": Command("signmnist.commands.adapt:adapt"),
    "classify": Command("signmnist.commands.classify:classify", positional="paths", flags=("json",)),
    "eval-photos": Command("signmnist.commands.eval_photos:eval_photos", positional="roots", flags=("json",)),
    "export": Command("signmnist.commands.export:export", flags=("measure",)),
    "info": Command("signmnist.commands.info:info"),
    "landmarks": Command("signmnist.commands.landmarks:store"),
    "report": Command("signmnist.commands.report:report"),
    "bench": Command("signmnist.commands.bench:bench", flags=("quick",)),
    "serve": Command("signmnist.commands.serve:serve"),
    "spell": Command("signmnist.commands.spell:spell", positional="video", flags=("json", "raw"), many=False),
    "web": Command("signmnist.commands.web:web"),
}


class ToolParser(OneLineErrors, ArgumentParser):
    """jsonargparse parser for the tool commands."""


def _normalise_option_names(args: list[str]) -> list[str]:
    # Accept --top-k as well as --top_k: jsonargparse names options after the Python parameters.
    out = []
    for a in args:
        if a.startswith("--") and len(a) > 2:
            name, eq, value = a[2:].partition("=")
            a = "--" + name.replace("-", "_") + eq + value
        out.append(a)
    return out


def build_parser(name: str) -> tuple[ArgumentParser, Callable[..., Any]]:
    """The parser of a tool command and the function it calls."""
    spec = COMMANDS[name]
    module, func = spec.target.split(":")
    fn = getattr(importlib.import_module(module), func)
    doc = inspect.getdoc(fn) or ""
    parser = ToolParser(prog=f"{PROG} {name}", description=doc.split("\n\n")[0])
    if spec.positional:
        if spec.many:
            parser.add_argument(spec.positional, nargs="+", type=str, help="files or folders")
        else:
            parser.add_argument(spec.positional, type=str, help="a file or folder")
    for flag in spec.flags:
        parser.add_argument(f"--{flag}", action="store_true", help=f"see --{flag} in the description")
    parser.add_function_arguments(fn, skip={spec.positional, *spec.flags} - {None}, as_positional=False)
    return parser, fn


def run_command(name: str, args: list[str]) -> Any:
    """Parse `args` for a tool command and call it."""
    parser, fn = build_parser(name)
    cfg = parser.instantiate(parser.parse_args(_normalise_option_names(args)))  # dataclass groups built
    kwargs = {k: v for k, v in vars(cfg).items() if k in inspect.signature(fn).parameters}
    return fn(**kwargs)


def _overview() -> str:
    return (
        f"usage: {PROG} COMMAND [options]\n\n"
        f"Training, through Lightning's CLI:  {', '.join(LIGHTNING_COMMANDS)}   ({PROG} fit --help)\n"
        f"Tools:                              {', '.join(COMMANDS)}   ({PROG} classify --help)\n"
    )


def main(args: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    argv = list(sys.argv[1:] if args is None else args)
    if not argv or argv[0] in ("-h", "--help"):
        print(_overview())
        sys.exit(0 if argv else 2)
    if argv[0] in COMMANDS:
        code = run_guarded(lambda: run_command(argv[0], argv[1:]))
        sys.exit(code if isinstance(code, int) else 0)
    from signmnist.model.cli import main as lightning_main

    lightning_main(argv)


if __name__ == "__main__":
    main()
