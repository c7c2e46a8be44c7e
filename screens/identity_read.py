"""The identity just read, masked, for the citizen to confirm it is theirs."""

from __future__ import annotations

from kivy.lang import Builder
from kivy.properties import StringProperty

from kiosk.session import IdentitySource, SessionSnapshot

from . import words
from .widgets import KioskScreen

EXPIRED = "证件已过有效期，无法完成身份核验。请持有效证件办理，或到人工窗口咨询"

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<IdentityReadScreen>:
    name: 'identity_read'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(120), dp(24), dp(120), dp(24)
        spacing: dp(16)
        WrapLabel:
            text: '请核对您的身份信息'
            style: 'xl'
            bold: True
        WrapLabel:
            text: '以下信息已作隐私遮挡，请确认是您本人的证件'
            tone: 'muted'
        WrapLabel:
            id: keep_card
            text: root.keep_card_text
            tone: 'primary'
            bold: True
        IdentityPanel:
            id: panel
        DangerNotice:
            id: expired
            text: root.expired_text
        Widget:
        BoxLayout:
            size_hint_y: None
            height: confirm.height
            spacing: dp(32)
            BigButton:
                id: not_me
                text: '不是本人 / 返回'
                kind: 'secondary'
                on_release: app.cancel_session()
            BigButton:
                id: confirm
                text: '确认是本人'
                disabled: bool(root.expired_text)
                opacity: 0.4 if root.expired_text else 1
                on_release: app.confirm_identity()
"""
)


class IdentityReadScreen(KioskScreen):
    expired_text = StringProperty("")
    keep_card_text = StringProperty("")  # the profile needs the ID card on the reader

    def show(self, snapshot: SessionSnapshot) -> None:
        identity = snapshot.identity
        self.ids.panel.fill(identity)
        self.expired_text = EXPIRED if identity is not None and identity.expired else ""
        on_reader = identity is not None and identity.source == IdentitySource.ID_CARD.value
        self.keep_card_text = words.keep_card_hint(snapshot.card_required) if on_reader else ""

    def clear_identity(self) -> None:
        self.ids.panel.clear()
        self.expired_text = ""
        self.keep_card_text = ""
