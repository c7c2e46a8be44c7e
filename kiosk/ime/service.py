"""The terminal's Chinese input: the configured pinyin engine, handwriting and the worker
thread they run on. Nothing heavy happens at construction: ``start()`` builds the engine on
the worker (Rime compiles its dictionary once, then reuses it), and a field's first key waits
for that build on the worker thread, never on the UI thread.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kiosk.ime import Composition, HandwritingRecognizer, ImeUnavailable, PinyinInput, domain
from kiosk.ime.domain import CatalogueSource, load_words
from kiosk.ime.settings import InputSettings
from kiosk.ime.worker import ImeWorker

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

log = logging.getLogger(__name__)


class _Engine(Protocol):
    def session(self) -> PinyinInput: ...
    def close(self) -> None: ...


def dictionaries_problem(engine: str) -> str | None:
    """A technician's message when the engine's files are missing, else None (cheap: no build)."""
    try:
        if engine == "rime":
            from kiosk.ime.rime import SHARED_DIR, check_shared
            check_shared(SHARED_DIR)
        else:
            from kiosk.ime.libpinyin import DATA_DIR, PACKAGES
            if not (DATA_DIR / "table.conf").is_file():
                return f"拼音输入不可用：词库 {DATA_DIR} 缺失。请安装 Debian 软件包 {PACKAGES}"
    except ImeUnavailable as exc:
        return str(exc)
    return None


class ImeService:
    def __init__(self, config: KioskConfig | None, catalogue_source: CatalogueSource | None = None,
                 engine: str | None = None, base_dir: Path | None = None,
                 data: Path | None = None, settings: InputSettings | None = None) -> None:
        """config None (a technician's command before the site file exists): ``settings``
        or the defaults, and ``base_dir`` for the engine's files."""
        self.settings: InputSettings = settings or (config.input if config else InputSettings())
        self.engine_name = engine or self.settings.engine
        if base_dir is None:
            if config is None:
                raise ValueError("ImeService needs a config or a base_dir")
            base_dir = Path(config.terminal.data_dir) / "ime"
        self.base_dir = base_dir
        domain.keep_jieba_cache_in(base_dir / "jieba")
        self.data = data                     # the engine's dictionaries, when not Debian's
        self.catalogue_source = catalogue_source
        self.worker = ImeWorker()
        self._lock = threading.Lock()
        self._engine: _Engine | None = None
        self._error: ImeUnavailable | None = None
        self._handwriting: HandwritingRecognizer | None = None

    # -- engines --------------------------------------------------------------------------
    def start(self) -> None:
        """Build the pinyin engine in the background (on the worker thread)."""
        self.worker.submit(self.engine, key="build")

    def engine(self) -> _Engine:
        """The pinyin engine, built on first use; raises ImeUnavailable."""
        with self._lock:
            if self._engine is not None:
                return self._engine
            if self._error is not None:
                raise self._error
            try:
                self._engine = self._build()
            except ImeUnavailable as exc:
                self._error = exc
                raise
            return self._engine

    def _build(self) -> _Engine:
        words = load_words(self.catalogue_source)
        s = self.settings
        if self.engine_name == "rime":
            from kiosk.ime.rime import SHARED_DIR, RimeEngine
            return RimeEngine(self.base_dir, words, s.fuzzy, s.page_size, shared=self.data or SHARED_DIR)
        from kiosk.ime.libpinyin import DATA_DIR, LibpinyinEngine
        return LibpinyinEngine(self.base_dir, words, s.fuzzy, s.page_size, data=self.data or DATA_DIR)

    def pinyin(self) -> PinyinInput:
        """A fresh composition for one field (its engine state is made on first use)."""
        return _LazyPinyin(self)

    def handwriting(self) -> HandwritingRecognizer:
        with self._lock:
            if self._handwriting is None:
                from kiosk.ime.handwriting import ZinniaRecognizer
                self._handwriting = ZinniaRecognizer()
            return self._handwriting

    def problem(self) -> str | None:
        """Chinese technician message when the dictionaries are missing or failed to build."""
        if self._error is not None:
            return str(self._error)
        return dictionaries_problem(self.engine_name) if self.data is None else None

    def close(self) -> None:
        self.worker.close()
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None
            if self._handwriting is not None:
                self._handwriting.close()
                self._handwriting = None


class _LazyPinyin:
    """A PinyinInput whose engine session is created by its first call (on the worker)."""

    def __init__(self, service: ImeService) -> None:
        self.service = service
        self._input: PinyinInput | None = None

    def _real(self) -> PinyinInput:
        if self._input is None:
            self._input = self.service.engine().session()
        return self._input

    def key(self, letter: str) -> Composition:
        return self._real().key(letter)

    def backspace(self) -> Composition:
        return self._real().backspace()

    def select(self, index: int) -> Composition:
        return self._real().select(index)

    def page_down(self) -> Composition:
        return self._real().page_down()

    def page_up(self) -> Composition:
        return self._real().page_up()

    def commit_raw(self) -> Composition:
        return self._real().commit_raw()

    def reset(self) -> None:
        if self._input is not None:
            self._input.reset()

    def close(self) -> None:
        if self._input is not None:
            self._input.close()
            self._input = None
