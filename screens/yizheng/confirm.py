"""Before filing: everything the application will carry, for the citizen to check."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.flows.yizheng import YizhengFlow
from kiosk.session import SessionSnapshot

from ..widgets import WrapLabel
from . import words as yz_words
from .base import FlowScreen
from .collect_lines import confirm_lines
from .fields import display_value


class SummaryLine(BoxLayout):
    caption = StringProperty("")
    value = StringProperty("")


class ConfirmScreen(FlowScreen):
    applicant_short = StringProperty("")  # masked name and number, for the summary
    pending_text = StringProperty("")     # the same item's application still being handled
    _shown: Any = None

    def show(self, snapshot: SessionSnapshot) -> None:
        super().show(snapshot)
        identity = snapshot.identity
        self.applicant_short = f"{identity.name}（{identity.id_number}）" if identity else ""

    def show_flow(self, flow: YizhengFlow | None) -> None:
        super().show_flow(flow)
        if flow is None or flow.item is None:
            self.clear_flow()
            return
        agent = flow.agent_view()   # 帮办代办: the principal is the applicant, the agent named
        lines: list[tuple[str, str]] = [("办理事项", flow.item.name),
                                        ("申请人", agent.principal_masked if agent.line else self.applicant_short)]
        if agent.line:
            lines.append(("代办", agent.line))
        if flow.company_name:
            lines.append(("企业", f"{flow.company_name}\n{flow.company_uscc}"))
        for f in flow.fields:
            lines.append((f.label, display_value(f.type, f.value, False) or "（未填写）"))
        lines += confirm_lines(flow)   # 异地代收: pages per material, the delivery (masked)
        self.pending_text = flow.pending_text()
        exempt = [m for m in flow.materials() if m.exempt]
        key = tuple(lines) + tuple(exempt)
        if key == self._shown:
            return
        self._shown = key
        box = self.ids.lines
        box.clear_widgets()
        for caption, value in lines:
            box.add_widget(SummaryLine(caption=caption, value=value))
        if exempt:
            box.add_widget(WrapLabel(text="免提交材料（系统自动调取）", style="m", tone="success", bold=True))
            for m in exempt:
                how = yz_words.MATERIAL_EXEMPT.get(m.source, "自动获取")
                box.add_widget(WrapLabel(text=f"✓ {m.name}（{how}）", tone="success"))

    def submit(self) -> None:
        if self._flow is None:
            return
        if self.pending_text:
            self._flow.submit_anyway()   # the button said 仍要提交 under the warning
        else:
            self._flow.submit()

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.applicant_short = self.pending_text = ""
        self.ids.lines.clear_widgets()
