"""Pinyin through libpinyin (Debian libpinyin15 + libpinyin-data), bound with ctypes.

One context per engine (the system data, a private user dir made for this process and
removed on close: nothing is ever trained or saved), one instance per field. Learning is
off: pinyin_train and pinyin_save are never called, the sort option keeps sentence
candidates (so choosing one only adds a constraint, never a frequency) and DYNAMIC_ADJUST is
off.

The domain words: libpinyin 2.8's phrase import does not rank them, so the engine puts the
domain words whose full pinyin or initials are exactly what was typed first (the order of
the catalogue), then libpinyin's own candidates.
"""

from __future__ import annotations

import ctypes
import logging
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kiosk.files import ensure_private_dir
from kiosk.ime import Composition, ImeUnavailable
from kiosk.ime.domain import DomainWord

log = logging.getLogger(__name__)

DATA_DIR = Path("/usr/lib/x86_64-linux-gnu/libpinyin/data")
PACKAGES = "libpinyin15 libpinyin-data"
# pinyin_custom2.h of libpinyin 2.8 (the bits moved between releases: 2.8's are these)
IS_PINYIN, PINYIN_INCOMPLETE, USE_DIVIDED_TABLE, USE_RESPLIT_TABLE = 1 << 1, 1 << 3, 1 << 7, 1 << 8
AMBIGUITY = {"c-ch": 1 << 10, "s-sh": 1 << 11, "z-zh": 1 << 12, "n-l": 1 << 15}
# sort by phrase length, pinyin length, frequency; no "longer" candidates (choosing one trains)
SORT = 0x2 | 0x4 | 0x8 | 0x10
NBEST = 1
MAX_CANDIDATES = 60        # a dozen pages: nobody pages further on a kiosk
_VOWELS = set("aeiouv")

P, U = ctypes.c_void_p, ctypes.c_uint


def _load_library() -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL("libpinyin.so.15")
    except OSError as exc:
        raise ImeUnavailable(f"拼音输入不可用：找不到 libpinyin（{exc}）。请安装 Debian 软件包 {PACKAGES}") from exc
    b, s, cp = ctypes.c_bool, ctypes.c_size_t, ctypes.c_char_p
    for name, res, args in [
        ("pinyin_init", P, [cp, cp]), ("pinyin_fini", None, [P]), ("pinyin_set_options", b, [P, U]),
        ("pinyin_alloc_instance", P, [P]), ("pinyin_free_instance", None, [P]),
        ("pinyin_parse_more_full_pinyins", s, [P, cp]), ("pinyin_guess_sentence", b, [P]),
        ("pinyin_guess_candidates", b, [P, s, U]), ("pinyin_get_n_candidate", b, [P, ctypes.POINTER(U)]),
        ("pinyin_get_candidate", b, [P, U, ctypes.POINTER(P)]),
        ("pinyin_get_candidate_string", b, [P, P, ctypes.POINTER(cp)]),
        ("pinyin_get_candidate_type", b, [P, P, ctypes.POINTER(ctypes.c_int)]),
        ("pinyin_choose_candidate", ctypes.c_int, [P, s, P]), ("pinyin_clear_constraint", b, [P, s]),
        ("pinyin_get_sentence", b, [P, ctypes.c_uint8, ctypes.POINTER(cp)]),
        ("pinyin_get_parsed_input_length", s, [P]), ("pinyin_reset", b, [P]),
    ]:
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


class LibpinyinEngine:
    def __init__(self, base_dir: Path, words: Sequence[DomainWord], fuzzy: Sequence[str] = (),
                 page_size: int = 5, data: Path = DATA_DIR) -> None:
        if not (data / "table.conf").is_file() or not (data / "phrase_index.bin").is_file():
            raise ImeUnavailable(f"拼音输入不可用：词库 {data} 缺失。请安装 Debian 软件包 {PACKAGES}")
        self.lib = _load_library()
        self.page_size = page_size
        ensure_private_dir(base_dir)   # only the terminal's user
        self.user_dir = Path(tempfile.mkdtemp(prefix="libpinyin-", dir=base_dir))
        # the versions of the system tables, so libpinyin does not complain of a missing file
        header = (data / "table.conf").read_text(encoding="utf-8").splitlines()[:2]
        (self.user_dir / "user.conf").write_text("\n".join(header) + "\n", encoding="utf-8")
        self.ctx = self.lib.pinyin_init(str(data).encode(), str(self.user_dir).encode())
        if not self.ctx:
            raise ImeUnavailable(f"拼音输入不可用：libpinyin 无法读取词库 {data}。请重装 Debian 软件包 {PACKAGES}")
        self.options = IS_PINYIN | PINYIN_INCOMPLETE | USE_DIVIDED_TABLE | USE_RESPLIT_TABLE
        for pair in fuzzy:
            self.options |= AMBIGUITY[pair]
        # Typing initials only ("sfz"): s, c, z stand for sh, ch, zh as well.
        self.abbrev_options = self.options | AMBIGUITY["c-ch"] | AMBIGUITY["s-sh"] | AMBIGUITY["z-zh"]
        self._current = -1
        self.by_full: dict[str, list[str]] = {}
        self.by_initials: dict[str, list[str]] = {}
        for w in words:
            self.by_full.setdefault("".join(w.pinyin), []).append(w.text)
            self.by_initials.setdefault(w.initials, []).append(w.text)

    def use_options(self, abbreviation: bool) -> None:
        want = self.abbrev_options if abbreviation else self.options
        if want != self._current:
            self.lib.pinyin_set_options(self.ctx, want)
            self._current = want

    def domain(self, letters: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """Domain words for these letters, (text, letters covered; 0 = all): those whose
        full pinyin or initials are the letters, and those whose pinyin starts them (longest
        first)."""
        exact = [(t, 0) for t in self.by_full.get(letters, []) + self.by_initials.get(letters, [])]
        prefixes = [(t, len(p)) for p, texts in self.by_full.items() for t in texts
                    if len(p) < len(letters) and letters.startswith(p)]
        return exact, sorted(prefixes, key=lambda tc: -tc[1])

    def session(self) -> LibpinyinInput:
        return LibpinyinInput(self)

    def close(self) -> None:
        if self.ctx:
            self.lib.pinyin_fini(self.ctx)
            self.ctx = None
        shutil.rmtree(self.user_dir, ignore_errors=True)


class LibpinyinInput:
    """One field's composition on a libpinyin instance. A piece picked is kept here and the
    letters after it are parsed afresh, so every pick (libpinyin's or a domain word) works
    the same way and backspace undoes the last pick first."""

    def __init__(self, engine: LibpinyinEngine) -> None:
        self.engine, self.lib = engine, engine.lib
        self.inst = self.lib.pinyin_alloc_instance(engine.ctx)
        self.rest = ""                               # the letters still composing
        self.picks: list[tuple[str, str]] = []       # (text picked, the letters before it)
        # (text, letters a domain word covers, 0 = all; or -1 - libpinyin's candidate index)
        self.items: list[tuple[str, int]] = []
        self.page = 0

    def _lookup(self) -> Composition:
        self.page, self.items = 0, []
        rest = self.rest.replace("'", "")
        if not rest:
            return self._state()
        seen: set[str] = set()
        exact, prefixes = self.engine.domain(rest)
        for text, covers in exact:
            if text not in seen:
                seen.add(text)
                self.items.append((text, covers))
        initials_only = not (_VOWELS & set(rest))
        self.engine.use_options(initials_only)
        self.lib.pinyin_parse_more_full_pinyins(self.inst, rest.encode())
        if not initials_only:
            # A whole-sentence guess from initials alone is noise ("sfz" -> 双方在) and costs
            # up to 50 ms on a long one: only for spelled-out syllables.
            self.lib.pinyin_guess_sentence(self.inst)
        self.lib.pinyin_guess_candidates(self.inst, 0, SORT)
        n = U()
        self.lib.pinyin_get_n_candidate(self.inst, ctypes.byref(n))
        for i in range(min(n.value, MAX_CANDIDATES)):
            cand, kind, raw = P(), ctypes.c_int(), ctypes.c_char_p()
            self.lib.pinyin_get_candidate(self.inst, i, ctypes.byref(cand))
            self.lib.pinyin_get_candidate_type(self.inst, cand, ctypes.byref(kind))
            self.lib.pinyin_get_candidate_string(self.inst, cand, ctypes.byref(raw))
            value = (raw.value or b"").decode()
            if kind.value == NBEST and i > 0 and len(value) > 1:
                continue   # whole-sentence guesses past the best one are noise
            if value and value not in seen:
                seen.add(value)
                self.items.append((value, -1 - i))
            if i == 0:     # domain words that start the input come after libpinyin's best guess
                self._add(prefixes, seen)
        self._add(prefixes, seen)
        return self._state()

    def _add(self, words: list[tuple[str, int]], seen: set[str]) -> None:
        for text, covers in words:
            if text not in seen:
                seen.add(text)
                self.items.append((text, covers))

    def _state(self, committed: str = "") -> Composition:
        size = self.engine.page_size
        start = self.page * size
        return Composition(preedit=self.rest, candidates=tuple(t for t, _ in self.items[start:start + size]),
                           page=self.page, has_prev=self.page > 0,
                           has_more=len(self.items) > start + size, committed=committed,
                           selected="".join(t for t, _ in self.picks), extra={"engine": "libpinyin"})

    # -- PinyinInput ----------------------------------------------------------------------
    def key(self, letter: str) -> Composition:
        if len(letter) != 1 or not (letter.isascii() and (letter.isalpha() or letter == "'")):
            raise ValueError(f"not a pinyin key: {letter!r}")
        self.rest += letter.lower()
        return self._lookup()

    def backspace(self) -> Composition:
        if self.picks:     # first undo the last pick
            _, self.rest = self.picks.pop()
            return self._lookup()
        if not self.rest:
            return Composition()
        self.rest = self.rest[:-1]
        return self._lookup()

    def select(self, index: int) -> Composition:
        pos = self.page * self.engine.page_size + index
        if not 0 <= index < self.engine.page_size or pos >= len(self.items):
            return self._state()
        text, covers = self.items[pos]
        if covers < 0:   # libpinyin's: how far it reaches (choosing adds a constraint, not learning)
            cand = P()
            self.lib.pinyin_get_candidate(self.inst, -1 - covers, ctypes.byref(cand))
            end = self.lib.pinyin_choose_candidate(self.inst, 0, cand)
            covers = 0 if end >= self.lib.pinyin_get_parsed_input_length(self.inst) else end
        rest = self.rest.replace("'", "")
        left = rest[covers:].lstrip("'") if covers else ""
        if not left:
            done = "".join(t for t, _ in self.picks) + text
            self.reset()
            return self._state(committed=done)
        self.picks.append((text, self.rest))
        self.rest = left
        return self._lookup()

    def page_down(self) -> Composition:
        if len(self.items) > (self.page + 1) * self.engine.page_size:
            self.page += 1
        return self._state()

    def page_up(self) -> Composition:
        self.page = max(0, self.page - 1)
        return self._state()

    def commit_raw(self) -> Composition:
        raw = "".join(t for t, _ in self.picks) + self.rest
        self.reset()
        return Composition(committed=raw, extra={"engine": "libpinyin"})

    def reset(self) -> None:
        self.rest, self.picks, self.items, self.page = "", [], [], 0
        if self.inst:
            self.lib.pinyin_reset(self.inst)

    def close(self) -> None:
        if self.inst:
            self.lib.pinyin_free_instance(self.inst)
            self.inst = None
