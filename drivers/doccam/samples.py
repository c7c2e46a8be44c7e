"""Sample documents for the demo and the capture tests: pages with Chinese text (a
授权委托书 of two pages, a 购房合同) photographed on the desk by drivers/doccam/synth.py, and
the faults a citizen makes: a blurred shot, a lamp's reflection, a page off the platen.

Nothing here is personal data: names and numbers are visibly samples (样例).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .outline import Frame
from .synth import A4_MM, MARKER_MARGIN, MARKER_SIZE, _font, marker_boxes, photograph

DOCUMENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "letter": ("授权委托书", (
        "委托人：张样例（样例身份证号码 110101********0011）",
        "受托人：李样例（样例身份证号码 110101********0022）",
        "委托事项：代为办理不动产登记资料查询，",
        "代为提交申请材料、领取办理结果。",
        "委托期限：自签署之日起三十日内有效。",
        "受托人在委托权限内所为行为，委托人均予承认。",
        "（第 1 页，共 2 页）",
    )),
    "letter2": ("授权委托书（续）", (
        "委托人声明：以上委托系本人真实意思表示。",
        "本委托书一式两份，委托人、受托人各执一份。",
        "委托人（签名）：张样例",
        "受托人（签名）：李样例",
        "签署日期：二〇二六年十二月六日",
        "（第 2 页，共 2 页）",
    )),
    "contract": ("商品房买卖合同（样张）", (
        "出卖人：某某置业有限公司（样例）",
        "买受人：张样例",
        "房屋坐落：某市某区样例路 1 号 1 幢 101 室",
        "建筑面积：89.50 平方米",
        "总价款：人民币壹佰贰拾万元整",
        "付款方式：按揭贷款，首付百分之三十。",
        "交付期限：二〇二七年六月三十日前。",
        "本合同自双方签字盖章之日起生效。",
    )),
}
FAULTS = ("blurred", "glare", "cut")


def document_page(name: str, dpi: int = 150) -> Frame:
    """One of DOCUMENTS as a flat A4 page (BGR): title, lines, corner markers, a seal."""
    title, lines = DOCUMENTS[name]
    width, height = round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi)
    image = Image.new("RGB", (width, height), (250, 250, 247))
    draw = ImageDraw.Draw(image)
    for box in marker_boxes(width, height).values():
        draw.rectangle(box, fill=(0, 0, 0))
    unit = width / 100.0
    left = round(MARKER_MARGIN * width * 2 + unit * 4)
    y = round((MARKER_MARGIN + MARKER_SIZE) * width + unit * 5)
    title_font, body_font = _font(None, round(unit * 5.5)), _font(None, round(unit * 3.0))
    draw.text(((width - draw.textlength(title, font=title_font)) / 2, y), title,
              font=title_font, fill=(20, 20, 20))
    y += round(unit * 12)
    for line in lines:
        draw.text((left, y), line, font=body_font, fill=(30, 30, 30))
        y += round(unit * 6)
    radius = round(unit * 10)
    cx, cy = width - left - radius, round(height * 0.88) - radius
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=(200, 30, 30),
                 width=max(2, round(unit * 0.6)))
    seal = "样张专用"
    draw.text((cx - draw.textlength(seal, font=body_font) / 2, cy - unit * 1.5), seal,
              font=body_font, fill=(200, 30, 30))
    rgb = np.asarray(image, dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def add_glare(frame: Frame, center: tuple[float, float] = (0.55, 0.42),
              radius: float = 0.06, strength: float = 300.0) -> Frame:
    """``frame`` with a lamp's reflection: a bright blob that saturates the sensor (a
    clipped, textureless patch about 2.5 ``radius`` of the frame's short side across)."""
    height, width = frame.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy, r = center[0] * width, center[1] * height, radius * min(width, height)
    blob = strength * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
    return np.clip(frame.astype(np.float32) + blob[:, :, None], 0, 255).astype(np.uint8)


def shot(name: str = "letter", fault: str = "", angle_deg: float = 4.0, seed: int = 0,
         frame_size: tuple[int, int] = (1600, 1200)) -> Frame:
    """A camera frame of document ``name``, good or with ``fault`` (one of FAULTS)."""
    if fault and fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r} (known: {', '.join(FAULTS)})")
    page = document_page(name)
    if fault == "blurred":      # a hand still moving the page: the whole shot smeared
        return photograph(page, A4_MM, angle_deg, frame_size=frame_size, seed=seed,
                          blur=3.0).frame
    if fault == "cut":          # the page runs past the top and bottom of the platen
        return photograph(page, A4_MM, angle_deg, frame_size=frame_size, seed=seed,
                          fill=1.25).frame
    frame = photograph(page, A4_MM, angle_deg, frame_size=frame_size, seed=seed).frame
    return add_glare(frame) if fault == "glare" else frame
