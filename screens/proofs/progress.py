"""Waiting: for the list of proofs, for central to issue one, for the printer. A turning
ring and a plain sentence; the work runs on the flow's thread, never on the UI's."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.flows.proofs import ProofFlow

from .. import words
from ..yizheng import progress as _yz_progress  # noqa: F401  (kv rule: BusyRing)
from .base import ProofScreen

# screen name -> (headline, detail); {pages} and {title} come from the document
WAITING = {
    "pf_loading": ("正在查询您可打印的证明，请稍候", "正在向政务服务平台查询"),
    "pf_issuing": ("正在出具证明，请稍候", "政务服务平台正在生成证明文件"),
    "pf_printing": ("正在打印，请稍候…", "{title}　{pages}\n打印完成前请不要离开，也不要取走身份证"),
}


class ProofProgressScreen(ProofScreen):
    """One class, three screens: ``pf_loading``, ``pf_issuing`` and ``pf_printing``."""

    headline = StringProperty("")
    detail = StringProperty("")

    def show_flow(self, flow: ProofFlow | None) -> None:
        document = flow.document if flow is not None else None
        headline, detail = WAITING.get(self.name, WAITING["pf_loading"])
        self.headline = headline
        self.detail = detail.format(
            title=document.title if document else "",
            pages=words.pages(document.pages) if document else "",
        ).strip("　\n")

    def on_enter(self, *_: Any) -> None:
        self.ids.ring.start()

    def on_leave(self, *_: Any) -> None:
        self.ids.ring.stop()

    def clear_flow(self) -> None:
        self.headline = self.detail = ""
