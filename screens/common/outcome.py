"""How a flow ended or why it cannot go on: the round mark (✓, !, ×) in the outcome's
colour, the centred outcome layout, and one error screen for every flow (what failed in
words, 重试 when there is a flow to retry, and the way out)."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, OptionProperty, StringProperty
from kivy.uix.label import Label

from .flow import F, FlowScreenBase


class ResultMark(Label):
    tone = OptionProperty("success", options=["success", "notice", "danger"])


class ErrorScreen(FlowScreenBase[F]):
    """The flow cannot go on (central unreachable, not enrolled ...). A service sets its
    ``headline``, how the way out reads (``exit_text``), what it does (``leave``) and the
    words of its errors (``error_words``)."""

    headline = StringProperty("")
    message = StringProperty("")
    can_retry = BooleanProperty(False)
    exit_text = StringProperty("返回首页")
    exit_kind = OptionProperty("secondary", options=["primary", "secondary"])  # without 重试

    def error_words(self, error: str) -> str:
        raise NotImplementedError

    def show_flow(self, flow: F | None) -> None:
        super().show_flow(flow)
        # No flow: the terminal could not start one (not enrolled with a central).
        self.message = self.error_words(flow.error if flow is not None else "not_enrolled")
        self.can_retry = flow is not None

    def retry(self) -> None:
        if self._flow is not None:
            self._flow.load()

    def leave(self) -> None:
        App.get_running_app().cancel_session()

    def clear_flow(self) -> None:
        super().clear_flow()
        self.message = ""
        self.can_retry = False
