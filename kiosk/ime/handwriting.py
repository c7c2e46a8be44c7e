"""Handwriting through zinnia (Debian libzinnia0 with tegaki-zinnia-simplified-chinese),
bound with ctypes. Strokes in pad coordinates are scaled, keeping their proportions, into the
model's box (300 x 300), then classified; candidates come best first."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Sequence
from pathlib import Path

from kiosk.ime import ImeUnavailable, Stroke

MODEL = Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model")
PACKAGES = "libzinnia0 tegaki-zinnia-simplified-chinese"
BOX = 300


def _load_library() -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL("libzinnia.so.0")
    except OSError as exc:
        raise ImeUnavailable(f"手写输入不可用：找不到 zinnia（{exc}）。请安装 Debian 软件包 {PACKAGES}") from exc
    p, s, i = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int
    for name, res, args in [
        ("zinnia_recognizer_new", p, []), ("zinnia_recognizer_open", i, [p, ctypes.c_char_p]),
        ("zinnia_recognizer_destroy", None, [p]), ("zinnia_character_new", p, []),
        ("zinnia_character_destroy", None, [p]), ("zinnia_character_set_width", None, [p, s]),
        ("zinnia_character_set_height", None, [p, s]), ("zinnia_character_add", i, [p, s, i, i]),
        ("zinnia_recognizer_classify", p, [p, p, s]), ("zinnia_result_size", s, [p]),
        ("zinnia_result_value", ctypes.c_char_p, [p, s]), ("zinnia_result_destroy", None, [p]),
    ]:
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


def normalize(strokes: Sequence[Stroke], width: float, height: float) -> list[list[tuple[int, int]]]:
    """Pad points into the model's box: the writing's bounding box, scaled uniformly and
    centred, with a margin, so a small or off-centre character reads the same."""
    points = [pt for stroke in strokes for pt in stroke]
    if not points:
        return []
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), min(width, height) / 4, 1.0)
    scale = BOX * 0.8 / span
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return [[(round(BOX / 2 + (x - cx) * scale), round(BOX / 2 + (y - cy) * scale)) for x, y in stroke]
            for stroke in strokes if stroke]


class ZinniaRecognizer:
    def __init__(self, model: Path = MODEL) -> None:
        if not model.is_file():
            raise ImeUnavailable(f"手写输入不可用：手写模型 {model} 缺失。请安装 Debian 软件包 {PACKAGES}")
        self.lib = _load_library()
        self._lock = threading.Lock()
        self.rec = self.lib.zinnia_recognizer_new()
        if not self.lib.zinnia_recognizer_open(self.rec, str(model).encode()):
            self.lib.zinnia_recognizer_destroy(self.rec)
            self.rec = None
            raise ImeUnavailable(f"手写输入不可用：无法读取手写模型 {model}。请重装 Debian 软件包 {PACKAGES}")

    def recognize(self, strokes: Sequence[Stroke], width: float, height: float, n: int = 10) -> list[str]:
        scaled = normalize(strokes, width, height)
        if not scaled or self.rec is None:
            return []
        with self._lock:
            char = self.lib.zinnia_character_new()
            try:
                self.lib.zinnia_character_set_width(char, BOX)
                self.lib.zinnia_character_set_height(char, BOX)
                for sid, stroke in enumerate(scaled):
                    for x, y in stroke:
                        self.lib.zinnia_character_add(char, sid, x, y)
                result = self.lib.zinnia_recognizer_classify(self.rec, char, n)
                if not result:
                    return []
                try:
                    return [(self.lib.zinnia_result_value(result, i) or b"").decode()
                            for i in range(self.lib.zinnia_result_size(result))]
                finally:
                    self.lib.zinnia_result_destroy(result)
            finally:
                self.lib.zinnia_character_destroy(char)

    def close(self) -> None:
        with self._lock:
            if self.rec is not None:
                self.lib.zinnia_recognizer_destroy(self.rec)
                self.rec = None
