"""The proofs central can issue for this person, as large tiles: name, issuing body, what
it proves. A tap has central issue it; if that fails the reason shows above the tiles."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.flows.proofs import ProofFlow

from .. import printing_words as print_words
from ..common.tiles import Tile, TileListScreen, tile_grid
from ..widgets import WrapLabel
from .base import ProofScreen


class ProofTile(Tile):
    issuer = StringProperty("")
    description = StringProperty("")


class ProofListScreen(TileListScreen[ProofFlow], ProofScreen):
    def show_flow(self, flow: ProofFlow | None) -> None:
        if flow is None:
            self.clear_flow()
            return
        super().show_flow(flow)
        # In LIST the error is why the last proof chosen was not issued.
        self.notice = print_words.proof_error(flow.error) if flow.error else ""
        views = tuple(flow.proofs)
        if views == self._shown:
            return
        if not views:
            self.fill(views, [WrapLabel(text=print_words.NO_PROOFS, style="l", tone="notice", bold=True)])
            return
        tiles = [self.tile(ProofTile(code=v.code, name=v.name, issuer=v.issuer, description=v.description))
                 for v in views]
        self.fill(views, [tile_grid(tiles)])

    def choose(self, code: str) -> None:
        if self._flow is not None:
            self._flow.choose(code)
