"""Waiting: for the list of proofs, for central to issue one, for the printer."""

from __future__ import annotations

from kiosk.flows.proofs import ProofFlow

from .. import printing_words as print_words
from ..common.busy import WaitingScreen
from .base import ProofScreen

# screen name -> (headline, detail); {pages} and {title} come from the document
WAITING = {
    "pf_loading": ("正在查询您可打印的证明，请稍候", "正在向政务服务平台查询"),
    "pf_issuing": ("正在出具证明，请稍候", "政务服务平台正在生成证明文件"),
    "pf_printing": ("正在打印，请稍候…", "{title}　{pages}\n打印完成前请不要离开，也不要取走身份证"),
}


class ProofProgressScreen(WaitingScreen[ProofFlow], ProofScreen):
    """One class, three screens: ``pf_loading``, ``pf_issuing`` and ``pf_printing``."""

    def waiting(self, flow: ProofFlow | None) -> tuple[str, str]:
        document = flow.document if flow is not None else None
        headline, detail = WAITING.get(self.name, WAITING["pf_loading"])
        return headline, detail.format(
            title=document.title if document else "",
            pages=print_words.pages(document.pages) if document else "",
        ).strip("　\n")
