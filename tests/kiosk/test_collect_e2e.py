"""异地代收 end to end: the real Terminal (simulated card reader, document camera and receipt
printer) files the 焦作 item 住房公积金提取（异地购房） with the real central, which records
the 收件 with the hashes of the pages the camera took, the pages themselves through the
outbox's evidence kind, and the delivery; the 收件交接单 comes out of the printer after the
受理回执 (tests/artifacts/receipt-handover-e2e.png, looked at)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from collect_fixtures import ADDRESS, FUND_ITEM, collect_kiosk, file_fund_application

from drivers.idcard.simulator import IdCardSimulator
from tests.kiosk.test_no_trace import private_tmp, wait_until  # noqa: F401 - a fixture
from tests.support.central_fixtures import real_central  # noqa: F401 - a fixture
from tests.support.real_central import RealCentral, central_available

pytestmark = pytest.mark.skipif(not central_available(), reason="kiosk-central is not installed")


def test_a_jiaozuo_item_is_collected_here_with_its_pages_and_handed_over(
        real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path,  # noqa: F811
        private_tmp: Path, artifacts_dir: Path) -> None:  # noqa: F811
    with collect_kiosk(real_central, sim, tmp_path, private_tmp) as (kiosk, printer):
        flow = file_fund_application(kiosk, sim)
        result = flow.result
        assert result is not None and result.delivered, result
        number = result.application_number
        pages = flow.pages.pages()
        hashes = [p.sha256 for p in pages]
        assert len(hashes) == 2 and all(p.kind == "material" and p.material_code == "M03" for p in pages)
        assert (flow.receipt_state, flow.collect.handover_state) == ("printed", "printed")
        first, second = printer.wait_receipt(10), printer.wait_receipt(10)
        assert first != second
        Path(artifacts_dir / "receipt-handover-e2e.png").write_bytes(Path(second).read_bytes())
        draft = flow.collect.handover
        assert draft is not None and [m.hashes for m in draft.materials] == [tuple(hashes)]
        kiosk.terminal.session.finish()
        assert all(p.wiped for p in pages)
        wait_until(lambda: kiosk.terminal.outbox.status().pending == 0, what="outbox drained")

    [(app_id, mode, delivery, item)] = real_central.query(
        "SELECT id, mode, delivery, item_code FROM applications WHERE number = ?", number)
    assert (mode, item) == ("异地代收", FUND_ITEM)
    posted = json.loads(delivery) if isinstance(delivery, str) else delivery
    assert posted["method"] == "post" and posted["address"] == ADDRESS
    steps = real_central.query(
        "SELECT step, actor, hashes FROM application_events WHERE application_id = ? ORDER BY id", app_id)
    assert [s[0] for s in steps][:2] == ["申请", "收件"]
    received = steps[1]
    assert received[1] == "晋城市政务服务中心"
    assert json.loads(received[2]) == hashes
    stored = real_central.query(
        "SELECT page, kind, material_code, sha256, content FROM application_evidence "
        "WHERE local_receipt = ? ORDER BY page", result.local_receipt)
    assert [(p, k, m, h) for p, k, m, h, _ in stored] == [
        (1, "material", "M03", hashes[0]), (2, "material", "M03", hashes[1])]
    assert [hashlib.sha256(bytes(c)).hexdigest() for *_, c in stored] == hashes
