"""帮办代办 in 一证通办 (docs/casework.md §6): the identified citizen (the agent) files for
another person (the principal).

On the items page the agent taps 为他人代办 -> AGENT_PRINCIPAL (the principal's ID card on
the reader, or their e-ID code: the session keeps it as its ``principal``, never a new
session) -> AGENT_RELATION -> AGENT_AUTHORITY (a signed 授权委托书 photographed page by page,
or the principal present, which needs their ID card read in this session) -> AGENT_LETTER
(one CaptureStep of kind ``authorization`` in the flow's PageSet) -> LOADING the principal's
person context: the items are now the principal's, and those whose catalogue entry forbids
代办 are refused up front. From then on the applicant is the principal; the request's
``agent`` names the session's own card with the relation and the authority.

A mixin of YizhengFlow, so its steps share the flow's lock, table and wipe; yizheng.py only
delegates to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from kiosk.capture.pages import PageSet
from kiosk.capture.step import CaptureStep
from kiosk.central_api.errors import CentralError, CentralUnavailable
from kiosk.events import KioskEvent, PrincipalChanged, PrincipalRefused
from kiosk.flows.base import Flow
from kiosk.flows.yizheng_steps import Step
from kiosk.flows.yizheng_views import Context, context_of
from kiosk.privacy import mask_name
from kiosk.session_types import IdentitySource

if TYPE_CHECKING:
    from kiosk.central_api.models import Item
    from kiosk.flows.yizheng_collect import Collect
    from kiosk.flows.yizheng_ports import CentralLike

log = logging.getLogger(__name__)

RELATIONS = ("配偶", "父母", "子女", "兄弟姐妹", "祖父母外祖父母", "孙子女外孙子女", "其他亲属", "其他")
AUTHORITIES = ("letter", "present")


@dataclass(frozen=True)
class AgentView:
    """What the 代办 screens show: masked names only."""

    acting: bool            # the principal's items are loaded: filing for them
    agent_masked: str
    principal_masked: str   # "" while no principal was read
    principal_source: str   # an IdentitySource value, "" when none
    relation: str
    authority: str          # letter | present | ""
    can_present: bool       # 被代办人本人在场 is possible (their ID card was read)
    letter_pages: int

    @property
    def label(self) -> str:
        """The agent on paper: 李*（子女）; "" unless filing for a principal."""
        return f"{self.agent_masked}（{self.relation}）" if self.line else ""

    @property
    def line(self) -> str:
        """代办人 李*（子女）为 张* 办理, for the confirm page, the result and the receipt."""
        if not (self.acting and self.principal_masked):
            return ""
        return f"代办人 {self.agent_masked}（{self.relation}）为 {self.principal_masked} 办理"


class AgentSteps(Flow):
    """The AGENT_* steps. Attributes below are YizhengFlow's (declared for the type checker)."""

    _central: CentralLike
    _catalogue: dict[str, Item]
    _ctx: Context
    item: Item | None
    pages: PageSet          # the visit's photographed pages (yizheng_collect.py's too)
    collect: Collect        # holds the document camera and the [capture] settings

    def _agent_init(self) -> None:
        self.acting = False
        self.relation = ""
        self.authority = ""
        self.letter: CaptureStep | None = None
        self._own_ctx: Context | None = None     # the agent's own items, back on cancel
        self._listening = False

    # -- reading ---------------------------------------------------------------------------
    def agent_view(self) -> AgentView:
        session = self._session
        own = session.card if session is not None else None
        principal = session.principal if session is not None else None
        source = session.principal_source if session is not None else None
        return AgentView(
            acting=self.acting,
            agent_masked=mask_name(own.name or own.name_en) if own is not None else "",
            principal_masked=mask_name(principal.name or principal.name_en) if principal is not None else "",
            principal_source=source.value if source is not None else "",
            relation=self.relation, authority=self.authority,
            can_present=principal is not None and source is IdentitySource.ID_CARD,
            letter_pages=len(self.letter.pages()) if self.letter is not None else 0,
        )

    def agent_refuses(self, code: str) -> bool:
        """While filing for a principal: the item's catalogue entry forbids 代办."""
        item = self._catalogue.get(code)
        return self.acting and item is not None and not item.agent_allowed

    def _applicant(self) -> dict[str, str]:
        """Whose data fills the form and the request: the principal while acting."""
        return self._principal() if self.acting else self._card()

    def _applicant_now(self, generation: int) -> dict[str, str] | None:
        return self._principal_now(generation) if self.acting else self._card_now(generation)

    def _agent_body(self) -> dict[str, Any] | None:
        """The request's ``agent``: the session's own card, the relation and the authority."""
        if not self.acting:
            return None
        card = self._card()
        return {"id_number": card["id_number"], "name": card["name"] or card.get("name_en", ""),
                "relation": self.relation, "authority": self.authority}

    # -- intents ---------------------------------------------------------------------------
    def start_agent(self) -> None:
        """为他人代办 (or 更换被代办人 while acting): wait for the principal's identity."""
        if self.step is not Step.ITEMS or self._session is None:
            return
        self._touch()
        if not self.acting:
            self._own_ctx = self._ctx
        self._forget_principal()
        self._listen()
        self._session.expect_principal(True)
        self._set(Step.AGENT_PRINCIPAL)

    def cancel_agent(self) -> None:
        """Back to the agent's own items: the principal and the letter are wiped."""
        self._touch()
        self._forget_principal()
        if self._own_ctx is not None:
            self._ctx, self._own_ctx = self._own_ctx, None
        self._back_to(Step.ITEMS, "")

    def choose_relation(self, relation: str) -> None:
        if self.step is not Step.AGENT_RELATION or relation not in RELATIONS:
            return
        self._touch()
        self.relation = relation
        self._set(Step.AGENT_AUTHORITY)

    def choose_authority(self, authority: str) -> None:
        """``letter``: photograph the 授权委托书; ``present``: the principal is here (their ID
        card was read in this session), the principal's items load at once."""
        if self.step is not Step.AGENT_AUTHORITY or authority not in AUTHORITIES:
            return
        self._touch()
        if authority == "present":
            if not self.agent_view().can_present:
                self._set_error("present_needs_id_card")
                return
            self.authority = "present"
            self._drop_letter()          # no letter is sent when the principal is present
            self._load_principal()
            return
        self.authority = "letter"
        if self.letter is None:
            self.letter = CaptureStep(self.collect.camera, self.pages, "authorization",
                                      settings=self.collect.settings, run=self._background,
                                      changed=self._changed)
        self._set(Step.AGENT_LETTER)

    def letter_done(self) -> None:
        """完成 on the letter: at least one page kept."""
        if self.step is not Step.AGENT_LETTER:
            return
        self._touch()
        if self.letter is None or not self.letter.pages():
            self._set_error("authorization_missing")
            return
        self.letter.discard()
        self._load_principal()

    def agent_back(self) -> None:
        self._touch()
        if self.step is Step.AGENT_PRINCIPAL:
            self.cancel_agent()
        elif self.step is Step.AGENT_RELATION:
            self.relation = ""
            if self._session is not None:
                self._session.drop_principal()
                self._session.expect_principal(True)
            self._back_to(Step.AGENT_PRINCIPAL, "")
        elif self.step is Step.AGENT_AUTHORITY:
            self._back_to(Step.AGENT_RELATION, "")
        elif self.step is Step.AGENT_LETTER:
            if self.letter is not None:
                self.letter.discard()
            self._back_to(Step.AGENT_AUTHORITY, "")

    # -- the session's word ----------------------------------------------------------------
    def _on_session_event(self, event: KioskEvent) -> None:
        """On the device's thread: the principal arrived, or the agent's own card was read."""
        if not isinstance(event, PrincipalChanged | PrincipalRefused):
            return
        def change() -> None:   # under the flow's lock: the step is checked where it moves
            if self.step is not Step.AGENT_PRINCIPAL:
                self._changed()   # e.g. the e-ID principal's card read: 本人在场 is possible now
            elif isinstance(event, PrincipalRefused):
                self._set_error(event.reason)
            elif event.present:
                self._set(Step.AGENT_RELATION)

        self._apply(self._generation, change)

    def _listen(self) -> None:
        if not self._listening and self._session is not None:
            self._session.subscribe(self._on_session_event)
            self._listening = True

    # -- helpers ---------------------------------------------------------------------------
    def _load_principal(self) -> None:
        """LOADING the principal's person context; their items replace the agent's."""
        self._set(Step.LOADING)

        def work() -> None:
            gen = self._generation
            person = self._principal_now(gen)
            if person is None:
                return
            ctx = Context()
            try:
                ctx = context_of(self._central.person_context(person["id_number"], person["name"]))
            except CentralUnavailable:
                ctx.offline = True
            except CentralError as err:
                self._apply(gen, partial(self._fail, err.code))
                return
            finally:
                del person

            def done() -> None:
                self._ctx = ctx
                self.acting = True
                self.item = None
                self._set(Step.ITEMS)

            self._apply(gen, done)

        self._background(work)

    def _drop_letter(self) -> None:
        if self.letter is not None:
            self.letter.wipe()
            self.letter = None

    def _forget_principal(self) -> None:
        self.acting = False
        self.relation = self.authority = ""
        self._drop_letter()
        if self._session is not None:
            self._session.expect_principal(False)
            self._session.drop_principal()

    def _agent_wipe(self) -> None:
        """Session end (the session wipes the principal itself): the letter's pages go."""
        self._drop_letter()
        self.acting = False
        self.relation = self.authority = ""
        self._own_ctx = None
        if self._listening and self._session is not None:
            self._session.events.unsubscribe(self._on_session_event)
            self._listening = False
