"""异地代收 and paper materials: each paper material photographed in turn on the common
capture screen (screens/common/capture.py: the straightened page, its quality verdict, 拍摄 /
重拍 / 使用此页, the kept pages with 删除). The title names the material and where it stands
(第1项，共2项：购房合同); 下一项 moves on, and needs a kept page for a required material (the
flow refuses it otherwise too)."""

from __future__ import annotations

from kiosk.capture.step import CaptureStep
from kiosk.flows.yizheng import YizhengFlow

from ..common.capture import CaptureScreen
from . import collect_words as words


class MaterialsScreen(CaptureScreen[YizhengFlow]):
    def step_of(self, flow: YizhengFlow) -> CaptureStep | None:
        now = flow.material_step()
        return now[1] if now is not None else None

    def show_flow(self, flow: YizhengFlow | None) -> None:
        super().show_flow(flow)
        now = flow.material_step() if flow is not None else None
        if flow is None or now is None:
            return
        material, _ = now
        total = len(flow.collect.steps)
        self.title = words.MATERIAL_OF.format(n=flow.collect.index + 1, total=total, name=material.name)
        self.hint = words.MATERIAL_REQUIRED if material.required else words.MATERIAL_OPTIONAL
        self.min_pages = 1 if material.required else 0
        self.done_text = words.LAST_MATERIAL if flow.collect.index + 1 >= total else words.NEXT_MATERIAL

    def finish(self) -> None:
        if self._flow is not None:
            self._flow.next_material()
