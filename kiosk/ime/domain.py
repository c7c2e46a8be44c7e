"""The domain dictionary: words citizens type at this terminal, taken from central's catalogue
(item names, material names, departments, the regions central knows down to 乡镇, and the
words inside them and inside the form fields' labels, cut by jieba), never typed by hand.

Each word gets its full pinyin from pypinyin (phrase-aware, so 长治 is "zhang zhi"), written
the way both engines spell it: toneless, ü as "v".
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from kiosk.central_api.catalogue import CatalogueCache, KeptCatalogue
from kiosk.central_api.models import Catalogue
from kiosk.files import DATA_DIR_MODE, ensure_dir

log = logging.getLogger(__name__)

CatalogueSource = Callable[[], Catalogue | None]

_HAN = re.compile(r"^[\u4e00-\u9fff]{2,12}$")
_SPLIT = re.compile(r"[（）()、，,；;：:/·\s]+")
# Place-name suffixes: "晋城市城区" also yields "城区", "泽州县南村镇" yields "南村镇".
_PLACE = re.compile(r"(?<=[市县区镇乡])(?=[^市县区镇乡])")
# A town's name without its 镇/乡/街道 (北义城镇 -> 北义城), as people say it; only a stem of 3
# characters or more: the 2-character ones (西街, 高都, 礼义) sound like common words (细节,
# 高度, 利益) that a domain word would push off the first place.
_TOWN = re.compile(r"^(?P<stem>[\u4e00-\u9fff]{3,})(?:镇|乡|街道)$")


@dataclass(frozen=True)
class DomainWord:
    text: str
    pinyin: tuple[str, ...]     # one toneless syllable per character, ü as "v"

    @property
    def initials(self) -> str:
        return "".join(s[0] for s in self.pinyin)


def spell(text: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of a Chinese word, ü written "v"."""
    return tuple(s.replace("ü", "v") for s in lazy_pinyin(text, style=Style.NORMAL, v_to_u=False))


def _pieces(name: str) -> Iterable[str]:
    for part in _SPLIT.split(name):
        if not part:
            continue
        yield part
        if any(part.endswith(s) for s in "市县区镇乡"):
            yield from (p for p in _PLACE.split(part) if p != part)


_jieba_dir: Path | None = None


def keep_jieba_cache_in(directory: Path) -> None:
    """Where jieba keeps the cache of its bundled dictionary (the IME's private folder),
    instead of the shared $TMPDIR it writes to by default. Call before the first build."""
    global _jieba_dir
    _jieba_dir = directory


@lru_cache(maxsize=1)
def _segmenter() -> Callable[[str], list[str]]:
    import jieba  # its dictionary loads in about 2 s: only when a dictionary is built

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    if _jieba_dir is not None:
        ensure_dir(_jieba_dir, DATA_DIR_MODE)
        tokenizer.tmp_dir = str(_jieba_dir)
    return tokenizer.lcut


def _words_in(text: str) -> list[str]:
    """The words of 2 characters or more inside a name: 对方身份证号码 -> 对方, 身份证, 号码."""
    return [w for w in _segmenter()(text) if len(w) >= 2]


def words_of(catalogue: Catalogue | None) -> list[DomainWord]:
    """Every domain word of a catalogue, in a stable order, each once: the names themselves
    (item, department, region down to 乡镇, material), towns' short names (柳树口镇 -> 柳树口),
    then the common words inside them and inside the form fields' labels (对方身份证号码 ->
    身份证)."""
    if catalogue is None:
        return []
    names: list[str] = []
    inner: list[str] = []
    for item in catalogue.items:
        own = [item.name, item.department, item.region_name] + [m.name for m in item.materials]
        names += own
        for text in own + [f.label for f in item.fields]:
            inner += [w for part in _SPLIT.split(text) for w in _words_in(part)]
    names += [r.name for r in catalogue.regions]
    names += [m["stem"] for r in catalogue.regions if (m := _TOWN.match(r.name))]
    seen: set[str] = set()
    out: list[DomainWord] = []
    for name in names + inner:
        for piece in _pieces(name):
            if piece in seen or not _HAN.match(piece):
                continue
            seen.add(piece)
            syllables = spell(piece)
            if len(syllables) == len(piece) and all(s.isascii() and s.isalpha() for s in syllables):
                out.append(DomainWord(piece, syllables))
    return out


def digest(words: Iterable[DomainWord], *parts: str) -> str:
    """A short hash naming one build of an engine's dictionary (its words and settings)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() + b"\0")
    for w in words:
        h.update(f"{w.text}\t{' '.join(w.pinyin)}\n".encode())
    return h.hexdigest()[:16]


def cached_catalogue(cache: CatalogueCache) -> Catalogue | None:
    """The catalogue the terminal last fetched from central, from its local store (no network)."""
    kept = KeptCatalogue(cache).get()
    return kept[2] if kept else None


def load_words(source: CatalogueSource | None) -> list[DomainWord]:
    if source is None:
        return []
    try:
        return words_of(source())
    except Exception as exc:  # no catalogue yet: the engines work without the domain words
        log.warning("no catalogue for the input dictionary: %s", type(exc).__name__)
        return []
