"""The catalogue carries the regions central knows: the terminal's input dictionary takes its
place names (市、县、区) from them (issue 11)."""

from __future__ import annotations

from central_helpers import SignedApi

from kiosk.central_api.models import Catalogue
from kiosk.ime.domain import words_of


def test_the_catalogue_names_every_seeded_region(api: SignedApi) -> None:
    response = api.get("/api/v1/catalogue")
    assert response.status_code == 200
    regions = {r["code"]: r for r in response.json()["regions"]}
    assert regions["140502"] == {"code": "140502", "name": "晋城市城区", "parent": "140500"}
    assert regions["140000"]["parent"] is None
    assert {"沁水县", "阳城县", "陵川县", "泽州县", "高平市", "焦作市"} <= {r["name"] for r in regions.values()}


def test_the_terminal_reads_them_into_its_input_dictionary(api: SignedApi) -> None:
    catalogue = Catalogue.model_validate_json(api.get("/api/v1/catalogue").content, strict=True)
    texts = {w.text for w in words_of(catalogue)}
    # 沁水县 and 陵川县 have no item: they come from the regions alone
    assert {"沁水县", "陵川县", "晋城市城区", "城区", "山西省"} <= texts
