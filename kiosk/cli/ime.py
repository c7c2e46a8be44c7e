"""`kiosk ime PINYIN [--json] [--engine rime|libpinyin]`: the first page of candidates for
some typed pinyin, a technician's check that the input dictionaries are installed.

Exit status: 0 candidates printed, 1 the engine or its dictionaries are missing (the message
names the Debian package to install) or the input is not pinyin.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from kiosk.central_api.models import Catalogue
from kiosk.config import SITE_CONFIG, KioskConfig, load_config
from kiosk.ime import ImeUnavailable
from kiosk.ime.domain import CatalogueSource, cached_catalogue
from kiosk.ime.service import ImeService

EXIT_OK, EXIT_FAIL = 0, 1


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ime = sub.add_parser("ime", help="print the pinyin candidates for some input (dictionary check)")
    ime.add_argument("pinyin", help="letters as typed, e.g. sfz or jinchengshi")
    ime.add_argument("--engine", choices=["rime", "libpinyin"], help="default: [input] engine")
    ime.add_argument("--json", action="store_true", help='one JSON object: {"engine", "input", "candidates"}')
    ime.add_argument("--data", metavar="DIR", type=Path,
                     help="the engine's dictionaries (default: Debian's, /usr/share/rime-data or libpinyin's data)")


def _config(path: str | None) -> KioskConfig | None:
    if path is None and not os.environ.get("TONGBAN_CONFIG") and not SITE_CONFIG.exists():
        return None   # no site file yet: the defaults, the engine's files in the user's cache
    return load_config(path)


def _catalogue_source(config: KioskConfig | None) -> CatalogueSource | None:
    if config is None:
        return None
    from kiosk.store.db import DB_FILE, open_store
    data_dir = Path(config.terminal.data_dir)
    if not (data_dir / DB_FILE).is_file():
        return None

    def source() -> Catalogue | None:
        store = open_store(data_dir)
        try:
            return cached_catalogue(store)
        finally:
            store.close()
    return source


def run(args: argparse.Namespace) -> int:
    letters = args.pinyin.strip().lower()
    if not letters or not all(c.isascii() and (c.isalpha() or c == "'") for c in letters):
        print(f"kiosk ime: 只能输入拼音字母（收到 {args.pinyin!r}）。请改用例如 kiosk ime sfz", file=sys.stderr)
        return EXIT_FAIL
    config = _config(args.config)
    if config is None:
        # no data dir yet: the user's cache (not a guessable name in /tmp)
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tongban-ime"
        service = ImeService(None, None, engine=args.engine, base_dir=base, data=args.data)
    else:
        service = ImeService(config, _catalogue_source(config), engine=args.engine, data=args.data)
    try:
        field = service.pinyin()
        state = None
        for letter in letters:
            state = field.key(letter)
        candidates = list(state.candidates) if state else []
        field.close()
    except ImeUnavailable as exc:
        print(f"kiosk ime: {exc}", file=sys.stderr)
        return EXIT_FAIL
    finally:
        service.close()
    if args.json:
        print(json.dumps({"engine": service.engine_name, "input": letters, "candidates": candidates},
                         ensure_ascii=False))
    else:
        print(f"{service.engine_name}: {letters}")
        for i, text in enumerate(candidates, 1):
            print(f"{i}. {text}")
    return EXIT_OK

