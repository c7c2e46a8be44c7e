"""`kiosk` command line: technician tools and the UI launcher's argument handling.

The `run` subcommand starts the Kivy UI, which lives in screens/ (the top layer); the
console script enters through screens.entry, which hands everything else to this module.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, cast

from kiosk.cli import (
    cards,
    central,
    config_schema,
    doctor,
    fleet,
    ime,
    printing,
    read_id,
    scan,
    update,
    voice,
)
from kiosk.config import ConfigError, KioskConfig, effective_toml, load_config
from kiosk.config_errors import technician_text
from kiosk.logs import setup_cli_logging

# Exit codes: 0 done, 1 failed (configuration, a device not ready ...), 2 no card or code
# in time, 3 a device or its port failed (read-id, read-card), 130 interrupted.
EXIT_OK, EXIT_FAIL, EXIT_NO_CARD, EXIT_DEVICE = 0, 1, 2, 3

RunUi = Callable[[KioskConfig, argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse in the technician's style: a usage error says so in Chinese first, then
    argparse's own reason, then where the usage is (exit 2, argparse's convention)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 命令用法有误（{message}）；请运行 {self.prog} --help 查看用法"
                     f" (usage error)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kiosk", description="通办自助终端 Tongban Kiosk")
    parser.add_argument("--config", metavar="FILE", help="site file (default: $TONGBAN_CONFIG or /etc/tongban/kiosk.toml)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log records (debug detail) to stderr too; without it they go to the journal only")
    # Sub-commands are _Parser too (argparse makes them of the parent's class).
    sub = cast("argparse._SubParsersAction[argparse.ArgumentParser]",
               parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))

    run = sub.add_parser("run", help="start the kiosk UI (fullscreen)")
    run.add_argument("--windowed", action="store_true", help="a normal window instead of fullscreen")

    read_id.add_parser(sub)
    doctor.add_parser(sub)

    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_sub.add_parser("check", help="validate and print the effective configuration")
    check.add_argument("file", nargs="?", help="file to check (default: --config or the site file)")
    config_schema.add_parser(config_sub)
    central.add_parsers(sub)
    printing.add_parsers(sub)
    scan.add_parsers(sub)
    cards.add_parsers(sub)
    voice.add_parsers(sub)
    ime.add_parsers(sub)
    update.add_parsers(sub)
    fleet.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None, run_ui: RunUi | None = None) -> int:
    args = build_parser().parse_args(argv)
    # A command's output is for the technician (or a script, with --json): log records go
    # to the journal, and to stderr only with -v (`run` sets up the kiosk's own log file).
    setup_cli_logging(args.verbose)
    try:
        if args.command == "read-id":
            return read_id.run(args)
        if args.command == "config" and args.config_command == "schema":
            return config_schema.run(args)
        if args.command == "config":
            return cmd_config_check(args)
        if args.command == "staff":
            return printing.run_staff(args)
        if args.command == "scan-image":
            return scan.run(args)
        if args.command == "say":
            return voice.run(args)
        if args.command == "ime":
            return ime.run(args)
        if args.command == "read-card":
            return cards.run(None, args)
        # `run` is the kiosk starting: a remote configuration on trial counts the start.
        config = load_config(args.config, starting=args.command == "run")
        if args.command == "doctor":
            return doctor.run(config, args)
        if args.command in ("enroll", "outbox"):
            return central.run(config, args)
        if args.command in ("logs", "print-test"):
            return printing.run(config, args)
        if args.command == "update":
            return update.run(config, args)
        if args.command == "heartbeat":
            return fleet.run(config, args)
        if args.command == "run":
            if run_ui is None:
                print("kiosk run: 这个入口不能启动界面；请用安装的 kiosk 命令（screens.entry）运行"
                      " (the UI is not available in this entry point)", file=sys.stderr)
                return EXIT_FAIL
            return run_ui(config, args)
    except ConfigError as err:
        print(technician_text(err), file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `kiosk doctor | head`: the reader left; no traceback, and none at exit either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAIL
    return EXIT_FAIL


def cmd_config_check(args: argparse.Namespace) -> int:
    config = load_config(args.file or args.config)
    sys.stdout.write(effective_toml(config))
    print("# 配置正确 (OK: configuration is valid)", file=sys.stderr)
    return EXIT_OK

