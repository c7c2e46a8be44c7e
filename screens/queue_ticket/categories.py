"""The categories to take a number for, as large tiles with their waiting count and wait; a
预约报到 tile last. Above them: the green channel (65+ place the ID card), what the card
said, offline mode, or why the last tap gave no ticket."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.flows.queue_ticket import QueueTicketFlow

from ..common.tiles import Tile, TileListScreen, tile_grid
from . import words
from .base import QueueScreen

CHECKIN_CODE = "__checkin__"


class CategoryTile(Tile):
    waiting = StringProperty("")


class QueueCategoriesScreen(TileListScreen[QueueTicketFlow], QueueScreen):
    def show_flow(self, flow: QueueTicketFlow | None) -> None:
        if flow is None:
            self.clear_flow()
            return
        super().show_flow(flow)
        if flow.error:
            self.notice_tone, self.notice = "danger", words.list_error(flow.error)
        else:
            self.notice_tone, self.notice = "notice", self._hint(flow)
        views = (tuple(flow.categories), flow.offline)
        if views == self._shown:
            return
        tiles = [self.tile(CategoryTile(code=c.code, name=c.name,
                                        waiting=words.waiting_line(c.waiting, c.wait_minutes)))
                 for c in flow.categories]
        if not flow.offline:
            tiles.append(self.tile(CategoryTile(code=CHECKIN_CODE, name=words.CHECKIN_TILE,
                                                waiting=words.CHECKIN_TILE_HINT)))
        self.fill(views, [tile_grid(tiles)])

    @property
    def voice_prompt(self) -> tuple[str, str]:
        """The list's title and its notice (the green channel, offline, or why no ticket
        came): the notice is small type, which the voice would otherwise pass over."""
        notice = self.notice.replace("\n", "。")
        return self.name, f"{self.title}。{notice}" if notice else self.title

    @staticmethod
    def _hint(flow: QueueTicketFlow) -> str:
        lines = []
        if flow.offline:
            lines.append(words.OFFLINE_NOTICE)
        lines.append(words.GREEN_YES if flow.green else words.GREEN_NO if flow.younger
                     else words.GREEN_HINT)
        return "\n".join(lines)

    def choose(self, code: str) -> None:
        if self._flow is None:
            return
        if code == CHECKIN_CODE:
            self._flow.start_checkin()
        else:
            self._flow.choose(code)
