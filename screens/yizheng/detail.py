"""办事指南 of one item: conditions, materials (免提交 or still needed), time limits, fee,
where to go; "开始办理" only when the flow says it can be filed here, else the reason."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.flows.yizheng import MaterialView, YizhengFlow

from ..common.flow import Tag
from ..guide import words as notice_words
from ..widgets import WrapLabel
from . import words as yz_words
from .base import FlowScreen
from .collect_lines import add_item_lines, paper_how
from .items import item_tags


class MaterialRow(BoxLayout):
    name = StringProperty("")
    how = StringProperty("")
    exempt = BooleanProperty(False)
    tag = StringProperty(yz_words.MATERIAL_TAG_REQUIRED)     # yz_words.material_tag
    tag_tone = StringProperty("notice")


def material_how(m: MaterialView, company_pending: bool) -> str:
    if m.exempt:
        return yz_words.MATERIAL_EXEMPT.get(m.source, "自动获取")
    if m.source == "paper":
        return yz_words.MATERIAL_PAPER if m.required else yz_words.MATERIAL_PAPER_OPTIONAL
    if company_pending:
        return "输入企业统一社会信用代码后自动调取"
    return yz_words.MATERIAL_NOT_FOUND


def blocker(flow: YizhengFlow) -> str:
    """Why the item cannot be filed here: a yz_words.CANNOT_APPLY key, or ""."""
    item = flow.item
    if item is None or flow.can_apply():
        return ""
    if item.applicant_kind == "company":
        return "company_offline"
    if any(m.source == "paper" for m in flow.missing_required()):
        return "materials"
    return "not_eligible"


class DetailScreen(FlowScreen):
    title = StringProperty("")
    blocker = StringProperty("")
    can_apply = BooleanProperty(False)
    notice_line = StringProperty("")
    notice_tone = StringProperty("muted")
    can_print_notice = BooleanProperty(False)
    _shown: Any = None

    def show_flow(self, flow: YizhengFlow | None) -> None:
        super().show_flow(flow)
        item = flow.item if flow is not None else None
        if flow is None or item is None:
            self.clear_flow()
            return
        materials = flow.materials()
        key = (item.code, tuple(materials), flow.offline, flow.company_uscc, flow.pending_text())
        self.can_apply = flow.can_apply()
        reason = blocker(flow)
        self.blocker = yz_words.CANNOT_APPLY.get(reason, "") if reason else ""
        self._show_notice(flow, item.code)
        if key == self._shown:
            return
        self._shown = key
        self.title = item.name
        view = next((v for v in flow.items() if v.code == item.code), None)
        tags = self.ids.tags
        tags.clear_widgets()
        if view is not None:
            for text, tone in item_tags(view):
                tags.add_widget(Tag(text=text, tone=tone))
        for mode in item.modes:
            tags.add_widget(Tag(text=mode, tone="primary"))
        self._fill_left(flow, materials)
        self._fill_right(item)

    def _fill_left(self, flow: YizhengFlow, materials: list[MaterialView]) -> None:
        left = self.ids.left
        left.clear_widgets()
        add_item_lines(left, flow)   # 异地代收 / 多地联办 and an application of it still pending
        pending = flow.item is not None and flow.item.applicant_kind == "company" and not flow.company_uscc
        left.add_widget(Factory.SectionTitle(text="申请材料"))
        for m in materials:
            name = m.name if m.required else f"{m.name}（非必需）"
            tag, tone = yz_words.material_tag(m.required, m.exempt)
            left.add_widget(MaterialRow(name=name, exempt=m.exempt,
                                        how=paper_how(flow, m.source) or material_how(m, pending),
                                        tag=tag, tag_tone=tone))
        if not materials:
            left.add_widget(WrapLabel(text="无需提交材料", tone="muted"))
        conditions = list(getattr(flow.item, "conditions", []) or [])
        if conditions:
            left.add_widget(Factory.SectionTitle(text="受理条件"))
            for n, text in enumerate(conditions, 1):
                left.add_widget(WrapLabel(text=f"{n}. {text}", style="s"))

    def _fill_right(self, item: Any) -> None:
        right = self.ids.right
        right.clear_widgets()
        right.add_widget(Factory.SectionTitle(text="办理信息"))
        rows = [
            ("办理时限", yz_words.time_limits(item.legal_days, item.promised_days)),
            ("收费标准", item.fee),
            ("办理部门", item.department),
            ("办理地点", item.where_to_go),
            ("咨询电话", item.phone),
            ("通办范围", f"{yz_words.scope_tag(item.scope)}（{item.region_name}）" if item.region_name else yz_words.scope_tag(item.scope)),
            ("办理方式", "、".join(item.modes) or "窗口办理"),
            ("到现场次数", yz_words.visits_tag(item.visits)),
        ]
        for caption, value in rows:
            if value:
                right.add_widget(DetailLine(caption=caption, value=str(value)))

    def _show_notice(self, flow: YizhengFlow, code: str) -> None:
        ready, why = flow.notice.ready()
        state, failed = flow.notice.status_for(code)
        self.can_print_notice = ready and state != "printing"
        line, tone = notice_words.print_line(state, failed)
        self.notice_line, self.notice_tone = (line, tone) if line or ready else (notice_words.not_ready(why), "muted")

    def print_notice(self) -> None:
        if self._flow is not None:
            self._flow.print_notice()

    def begin(self) -> None:
        if self._flow is not None and self.can_apply:
            self._flow.begin_form()

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.title = self.blocker = ""
        self.can_apply = self.can_print_notice = False
        self.notice_line = ""
        for name in ("tags", "left", "right"):
            self.ids[name].clear_widgets()


class DetailLine(BoxLayout):
    """One caption/value pair of the 办理信息 panel (caption above, value below)."""

    caption = StringProperty("")
    value = StringProperty("")

