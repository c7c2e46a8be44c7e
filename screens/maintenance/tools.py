"""The maintenance tools that show results as rows: the ID card and smart card tests
(masked: the flow keeps nothing else), the test pages, the central check, the voice test
and the configuration in use. Each screen reads ``TechnicianFlow.view``; 返回 goes back to
the device list."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.diagnostics import config_version
from kiosk.flows.technician import TechnicianFlow
from kiosk.flows.technician_work import ToolView

from ..staff_widgets import add_idle_notice
from ..widgets import KioskScreen
from . import words


class MaintRow(BoxLayout):
    caption = StringProperty("")
    value = StringProperty("")
    fine = BooleanProperty(True)


class MaintRows(BoxLayout):
    """(caption, value, fine) rows, rebuilt when ``rows`` changes."""

    rows = ListProperty([])

    def on_rows(self, *_: Any) -> None:
        self.clear_widgets()
        for caption, value, fine in self.rows:
            self.add_widget(MaintRow(caption=caption, value=value, fine=fine))


def technician() -> TechnicianFlow:
    return App.get_running_app().terminal.technician  # type: ignore[no-any-return]


class ToolScreen(KioskScreen):
    """A tool: its title, 返回, what the flow says (``outcome_text``), the countdown."""

    title = StringProperty("")
    outcome_text = StringProperty("")
    outcome_ok = BooleanProperty(False)
    busy = BooleanProperty(False)
    rows = ListProperty([])       # [(caption, value, fine)]

    def on_kv_post(self, base_widget: Any) -> None:
        self.idle_notice = add_idle_notice(self, lambda: technician().touch())

    def show_technician(self, flow: TechnicianFlow) -> None:
        self.idle_notice.show_left(flow.notice_left())
        view = flow.view
        self.title = words.TOOLS.get(view.tool, "")
        self.busy = view.busy
        self.outcome_ok = view.outcome in ("ok", "played")
        self.outcome_text = words.outcome(view.outcome)
        self.fill(flow, view)

    def fill(self, flow: TechnicianFlow, view: ToolView) -> None:
        """The tool's own part."""

    def voice_prompt(self) -> str:
        """Read aloud (screens/voice_prompts.py): the tool's name only, never a result."""
        return self.title

    def back(self) -> None:
        technician().back()

    def on_leave(self, *_: Any) -> None:
        self.rows = []
        self.outcome_text = ""


class CardToolScreen(ToolScreen):
    """Read an ID card or a smart card: the masked fields only."""

    hint = StringProperty("")

    def fill(self, flow: TechnicianFlow, view: ToolView) -> None:
        id_card = view.tool == "id_card"
        self.hint = ("请将身份证放在阅读器感应区" if id_card else "请插入或放置卡片（银行卡、社保卡、工作人员卡）")
        if view.outcome == "ok":
            self.outcome_text = "读卡成功（已遮盖个人信息）"
        elif view.busy and not view.outcome:
            self.outcome_text = "等待读卡…"
        self.rows = [(caption, value, True) for caption, value in words.card_rows(view.fields)]


class PrintToolScreen(ToolScreen):
    receipt_state = StringProperty("")
    a4_state = StringProperty("")

    def fill(self, flow: TechnicianFlow, view: ToolView) -> None:
        statuses = dict(flow.device_rows())
        self.receipt_state = _printer_state(statuses.get("receipt_printer"))
        self.a4_state = _printer_state(statuses.get("a4_printer"))
        target = "凭条" if view.kind == "receipt" else "A4"
        if view.busy:
            self.outcome_text = f"正在打印{target}测试页…"
        elif view.outcome == "ok":
            self.outcome_text = f"{target}测试页已打印（作业 {view.text}），请检查打印效果"
        elif view.outcome:
            self.outcome_text = f"{target}测试页未打印：{words.outcome(view.outcome)}"

    def print_test(self, target: str) -> None:
        technician().print_test(target)


def _printer_state(status: Any) -> str:
    if status is None:
        return "未配置"
    return words.device_state(status)


class CentralToolScreen(ToolScreen):
    def fill(self, flow: TechnicianFlow, view: ToolView) -> None:
        if view.busy:
            self.outcome_text = "正在检查…"
        elif view.central is not None:
            self.outcome_text = "检查完成" if view.central.reachable else words.outcome(view.outcome)
        self.rows = words.central_lines(view.central) if view.central is not None else []

    def again(self) -> None:
        technician().check_central_again()


class VoiceToolScreen(ToolScreen):
    volume = NumericProperty(-1)
    available = BooleanProperty(False)

    def fill(self, flow: TechnicianFlow, view: ToolView) -> None:
        self.available = view.outcome != "unavailable"
        self.volume = view.volume if view.volume is not None else -1

    def sound_check(self) -> None:
        technician().sound_check()

    def change(self, step: int) -> None:
        technician().change_volume(step)


class ConfigToolScreen(ToolScreen):
    def fill(self, flow: TechnicianFlow, view: ToolView) -> None:
        config = flow.config
        self.outcome_text = ""
        self.rows = [
            ("配置版本", view.text or config_version(config), True),
            ("配置方案", config.terminal.profile, True),
            ("终端编号", config.terminal.terminal_code or "未设置", bool(config.terminal.terminal_code)),
            ("配置文件", "\n".join(config.sources) or "默认", True),
        ]
