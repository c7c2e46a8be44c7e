"""Handwritten characters as a finger would draw them on a 300 x 300 pad (y down), stroke
order as taught, each stroke densified to points about 8 px apart like touch move events.
Tuned until zinnia (tegaki simplified Chinese model) reads each as itself, best first.
"""

from __future__ import annotations

import math

Point = tuple[float, float]


def _stroke(*corners: Point, step: float = 8.0) -> list[Point]:
    """The polyline through the corners, sampled every ``step`` px."""
    points: list[Point] = [corners[0]]
    for (x0, y0), (x1, y1) in zip(corners, corners[1:], strict=False):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / step))
        points += [(round(x0 + (x1 - x0) * i / n, 1), round(y0 + (y1 - y0) * i / n, 1)) for i in range(1, n + 1)]
    return points


STROKES: dict[str, list[list[Point]]] = {
    # 张: 弓 (横折, 横, 竖折折钩) then 长 (撇, 横, 竖提, 捺)
    "张": [
        _stroke((30, 53), (95, 43), (113, 103)),
        _stroke((54, 115), (83, 107)),
        _stroke((52, 118), (40, 167), (117, 163), (100, 261), (85, 254)),
        _stroke((250, 56), (196, 106)),
        _stroke((156, 121), (295, 137)),
        _stroke((169, 33), (189, 248), (186, 224)),
        _stroke((187, 139), (285, 263)),
    ],
    # 李: 木 (横, 竖, 撇, 点) over 子 (横撇, 竖钩, 横)
    "李": [
        _stroke((60, 80), (240, 80)),
        _stroke((150, 30), (150, 150)),
        _stroke((145, 85), (70, 140)),
        _stroke((157, 88), (235, 138)),
        _stroke((90, 165), (210, 165), (160, 200)),
        _stroke((150, 200), (150, 278), (128, 266)),
        _stroke((50, 222), (250, 222)),
    ],
    # 王: 横, 横, 竖, 横
    "王": [
        _stroke((70, 60), (230, 60)),
        _stroke((90, 150), (210, 150)),
        _stroke((150, 60), (150, 250)),
        _stroke((50, 252), (250, 252)),
    ],
    # 城: 土 (横, 竖, 提) then 成 (横, 撇, 横折钩, 斜钩, 撇, 点)
    "城": [
        _stroke((21, 118), (97, 119)),
        _stroke((61, 65), (60, 236)),
        _stroke((17, 242), (101, 218)),
        _stroke((122, 94), (276, 86)),
        _stroke((130, 91), (133, 177), (118, 254)),
        _stroke((131, 153), (189, 144), (191, 229), (170, 220)),
        _stroke((196, 46), (232, 156), (292, 268), (285, 224)),
        _stroke((275, 135), (217, 246)),
        _stroke((234, 39), (252, 63)),
    ],
    # 区: the model (tegaki zh_CN) knows it as 横, 竖折, 撇, 点 (匚 before ㄨ); written in the
    # GB order (横, 撇, 点, 竖折) zinnia does not offer 区 in its first ten at all.
    "区": [
        _stroke((50, 60), (250, 60)),
        _stroke((50, 62), (50, 260), (262, 260)),
        _stroke((196, 100), (104, 222)),
        _stroke((112, 112), (202, 212)),
    ],
    # 区 in the GB stroke order, kept to show the model's limit (see the test)
    "区/gb": [
        _stroke((50, 60), (250, 60)),
        _stroke((196, 100), (104, 222)),
        _stroke((112, 112), (202, 212)),
        _stroke((50, 62), (50, 260), (262, 260)),
    ],
}
