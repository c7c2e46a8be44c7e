"""The 设备维护中 screen: the terminal is closed for maintenance, where else to go, and the
hall's phone. It reads ``KioskState.maintenance`` (routing calls ``show_maintenance``) and
offers nothing to tap: no service starts here."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.state import MaintenanceState

from ..widgets import KioskScreen

SCREEN = "fleet_maintenance"
TITLE = "设备维护中"
EXPLAIN = "本机正在维护，暂停办理业务。\n给您带来不便，敬请谅解。"
ELSEWHERE = "您可以到大厅其他自助终端或人工窗口办理。"
NO_PHONE = "如需帮助，请咨询大厅工作人员。"


def phone_words(phone: str) -> str:
    return f"咨询电话：{phone}" if phone else NO_PHONE


class MaintenanceModeScreen(KioskScreen):
    phone_text = StringProperty(NO_PHONE)

    def show_maintenance(self, maintenance: MaintenanceState) -> None:
        self.phone_text = phone_words(maintenance.phone)
