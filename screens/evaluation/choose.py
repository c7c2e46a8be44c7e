"""好差评 from the tile: the identified citizen's handlings here and applications, not rated
yet, as large tiles (newest first); a tap rates one."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.flows.evaluation import EvaluationFlow

from ..common.tiles import Tile, TileListScreen, tile_grid
from . import words
from .base import EvaluationScreen, hall_zone


class HandlingTile(Tile):
    detail = StringProperty("")


class EvaluationListScreen(TileListScreen[EvaluationFlow], EvaluationScreen):
    def show_flow(self, flow: EvaluationFlow | None) -> None:
        if flow is None:
            self.clear_flow()
            return
        super().show_flow(flow)
        lines = [words.CENTRAL_MISSING] if flow.central_missing else []
        if not flow.choices:
            lines.append(words.LIST_EMPTY)
        self.notice_tone, self.notice = "notice", "\n".join(lines)
        shown = (flow.choices, flow.central_missing)
        if shown == self._shown:
            return
        zone = hall_zone()
        tiles = [self.tile(HandlingTile(
            code=c.handling_id, name=c.handling.title,
            detail=words.handled_line("", c.handled_at, zone, c.handling.application_number).strip("　")))
            for c in flow.choices]
        self.fill(shown, [tile_grid(tiles, cols=1)] if tiles else [])

    def choose(self, code: str) -> None:
        if self._flow is not None:
            self._flow.choose(code)
