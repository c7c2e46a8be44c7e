"""Entry point of the `kiosk` console script.

Every subcommand but `run` is a kiosk/ tool; `run` starts the Kivy UI, imported only then
so the technician tools start fast and work on a machine without a display.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kiosk import cli
from kiosk.config import KioskConfig


def _run_ui(config: KioskConfig, args: argparse.Namespace) -> int:
    from .app import run_app

    return run_app(config, windowed=args.windowed)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, run_ui=_run_ui)


if __name__ == "__main__":
    sys.exit(main())
