"""The terminal's own client (kiosk.central_api.evaluations, what its outbox calls) against
the real reference central (`kiosk-central serve`, SQLite): a 差评 sent as the terminal
sends it opens a case that `kiosk-central evaluation list --json` shows; the outbox's
retry is a replay; a second evaluation of the handling is 409 `duplicate`."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralRejected
from kiosk.central_api.evaluations import submit_evaluation
from kiosk.central_api.models import EvaluationRequest
from kiosk.central_api.signing import TerminalIdentity, public_key_b64
from tests.support.central_fixtures import real_central  # noqa: F401
from tests.support.real_central import RealCentral, central_available

pytestmark = pytest.mark.skipif(not central_available(), reason="kiosk-central is not installed")
BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def terminal(real_central: RealCentral) -> Iterator[CentralClient]:  # noqa: F811
    key = Ed25519PrivateKey.generate()
    with CentralClient(real_central.url, None) as anonymous:
        code = real_central.add_terminal(hall="泽州县政务服务中心", region="140525")
        enrolled = anonymous.enroll(code, public_key_b64(key), "t")
    identity = TerminalIdentity(enrolled.terminal_id, key, real_central.url, enrolled.hall_name)
    with CentralClient(real_central.url, identity) as client:
        yield client


def test_a_bad_evaluation_from_the_terminal_opens_a_case(
    terminal: CentralClient, real_central: RealCentral  # noqa: F811
) -> None:
    now = dt.datetime.now(BEIJING).replace(microsecond=0)
    request = EvaluationRequest(
        handling_id=str(uuid.uuid4()), service_id="yizheng",
        item_code="11140500MB1947036N4000111001", level=1, reasons=["attitude", "other"],
        comment="窗口人员不耐烦", handled_at=now - dt.timedelta(minutes=5), rated_at=now,
    )  # fmt: skip
    body = request.model_dump_json().encode("utf-8")
    key = str(uuid.uuid4())
    ack = submit_evaluation(terminal, body, key)
    assert ack.case_number is not None and ack.case_number.startswith(f"ZG{now:%Y%m%d}")
    assert submit_evaluation(terminal, body, key) == ack  # the outbox's retry
    again = request.model_copy(update={"level": 2}).model_dump_json().encode("utf-8")
    with pytest.raises(CentralRejected) as refused:
        submit_evaluation(terminal, again, str(uuid.uuid4()))
    assert refused.value.status == 409 and refused.value.error == "duplicate"
    listed = json.loads(real_central._cli("evaluation", "list", "--json", "--region", "140525",
                                          "--db", real_central.db_url))  # fmt: skip
    assert [c["case_number"] for c in listed] == [ack.case_number]
    case = listed[0]
    assert (case["hall"], case["level_name"], case["reasons"]) == (
        "泽州县政务服务中心", "非常不满意", ["attitude", "other"])
    assert case["item_name"] == "城乡居民基本养老保险参保登记" and case["state"] == "待回访"
