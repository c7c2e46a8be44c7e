"""办件查询's pieces without central: what a scanned code means (the receipt's tracking URL,
old receipts, anything malformed), and what the screens are given of an application —
异地代收's chain of custody with its actors and the post's tracking number, 多地联办's parts
with their status, 代办 and delivery lines — identified and anonymous."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk import hall_time
from kiosk.central_api.models import MineApplication, PublicApplication
from kiosk.flows.progress_query_views import mine_view, public_view
from kiosk.identify.codes import CodeKind, CodeReason, classify

ZONE = hall_time.load_zone("Asia/Shanghai")
NUMBER = "14050020261206000007"


@pytest.mark.parametrize("text", [
    f"https://zwfw.example.cn/t/{NUMBER}?c=K7M2QX",
    f"http://127.0.0.1:8000/t/{NUMBER}?c=K7M2QX\r\n",   # a scanner's line end
    f"https://zwfw.example.cn/t/{NUMBER}?c=k7m2qx",      # lower case typed into a phone
])
def test_the_tracking_url_is_a_receipt_with_its_check_code(text: str) -> None:
    meaning = classify(text)
    assert meaning.kind is CodeKind.APPLICATION_RECEIPT and meaning.accepted
    assert (meaning.application_number, meaning.check_code) == (NUMBER, "K7M2QX")


def test_an_old_receipt_has_no_check_code() -> None:
    meaning = classify(f"TONGBAN-APP:{NUMBER}")
    assert meaning.kind is CodeKind.APPLICATION_RECEIPT and meaning.accepted
    assert (meaning.application_number, meaning.check_code) == (NUMBER, None)


@pytest.mark.parametrize("text", [
    f"https://h/t/{NUMBER}",                   # no check code
    f"https://h/t/{NUMBER}?c=",                # empty
    f"https://h/t/{NUMBER}?c=K7M2Q",           # too short
    f"https://h/t/{NUMBER}?c=K7M2QXX",         # too long
    f"https://h/t/{NUMBER}?c=K7M2Q1",          # 1 is not in the alphabet
    f"https://h/t/{NUMBER}?c=K7M2QO",          # nor O
    f"https://h/t/{NUMBER}?c=K7M2QX&c=K7M2QX",  # twice
    f"https://h/t/{NUMBER}?c=K7M2QX&x=1",      # something more
    f"https://h/t/{NUMBER}?c=K7M2QX#top",      # a fragment
    f"https://h/t/{NUMBER}?c=K7M2QX&" + "a=1&" * 10,   # many fields
])
def test_our_url_with_a_bad_check_code_is_malformed(text: str) -> None:
    meaning = classify(text)
    assert (meaning.kind, meaning.reason) == (CodeKind.APPLICATION_RECEIPT, CodeReason.MALFORMED)
    assert meaning.application_number is None and meaning.check_code is None


@pytest.mark.parametrize("text", [
    "https://example.com/promo",
    f"https://h/x/{NUMBER}?c=K7M2QX",          # another path
    f"https://h/t/{NUMBER}/more?c=K7M2QX",
    "https://h/t/14%2F05?c=K7M2QX",            # a slash smuggled into the number
    "https:///t/1?c=K7M2QX",                   # no host
    "https://[::1/t/1?c=K7M2QX",               # not a URL at all
    "https://h/t/" + "1" * 65 + "?c=K7M2QX",   # a number longer than any
    "ftp://h/t/1?c=K7M2QX",
])
def test_other_urls_are_not_ours(text: str) -> None:
    assert (classify(text).kind, classify(text).reason) == (CodeKind.UNKNOWN, CodeReason.UNSUPPORTED)


def test_a_url_longer_than_any_qr_code_is_refused_before_parsing() -> None:
    meaning = classify(f"https://h/t/{NUMBER}?c=K7M2QX&pad=" + "a" * 5000)
    assert meaning.reason is CodeReason.MALFORMED


AT = dt.datetime(2026, 12, 6, 1, 30, tzinfo=dt.UTC)
HASH = "ab" * 32


def custody() -> dict[str, object]:
    steps = [("申请", "晋城市政务服务中心", None), ("收件", "晋城市政务服务中心", None),
             ("形式审查", "晋城市政务服务中心", None), ("寄递", "晋城市政务服务中心", "SF1234567890"),
             ("属地受理", "焦作市住房公积金管理中心", None)]
    return {
        "application_number": NUMBER, "local_receipt": "JC01-1", "status": "属地受理",
        "item_code": "X", "item_name": "住房公积金提取（异地购房）", "region_received": "140500",
        "region_handling": "410800", "mode": "异地代收", "check_code": "K7M2QX",
        "tracking_url": f"https://zwfw.example.cn/t/{NUMBER}?c=K7M2QX", "submitted_at": AT,
        "timeline": [{"step": s, "at": AT, "note": "", "actor": a, "hashes": [HASH],
                      "tracking_number": t} for s, a, t in steps],
        "agent": {"name_masked": "李*", "relation": "子女", "authority": "letter"},
        "delivery": {"method": "post", "address_masked": "山西省晋城市城区****"},
    }


def test_the_identified_view_has_the_custody_chain_the_post_number_and_the_agent() -> None:
    app = MineApplication.model_validate({**custody(), "role": "agent", "applicant_masked": "张*",
                                          "todo": "请留意邮寄的办理结果"})
    view = mine_view(app, ZONE)
    assert [s.step for s in view.timeline] == ["申请", "收件", "形式审查", "寄递", "属地受理"]
    assert view.timeline[3].tracking_number == "SF1234567890"
    assert view.timeline[4].actor == "焦作市住房公积金管理中心"
    assert view.timeline[0].at == "2026-12-06 09:30"   # the hall's wall time
    assert view.agent == "李*（子女，授权委托书）" and view.delivery == "邮寄送达：山西省晋城市城区****"
    assert (view.role, view.applicant, view.check_code, view.todo) == ("agent", "张*", "K7M2QX",
                                                                       "请留意邮寄的办理结果")
    assert not view.finished


def test_the_public_view_never_shows_the_post_number() -> None:
    body = custody()
    for step in body["timeline"]:   # type: ignore[attr-defined]
        step.pop("hashes")
    app = PublicApplication.model_validate({k: body[k] for k in (
        "application_number", "item_name", "status", "mode", "submitted_at", "timeline")}
        | {"applicant_masked": "张*"})
    view = public_view(app, ZONE)
    assert all(s.tracking_number == "" for s in view.timeline)
    assert (view.identified, view.check_code, view.agent, view.delivery, view.role) == (False, "", "", "", "")


def test_joint_parts_carry_their_own_status_and_name_their_steps() -> None:
    parts = [
        {"seq": 1, "region_code": "140502", "region_name": "晋城市城区", "department": "户政科",
         "task": "户籍信息核查", "status": "办结", "timeline": []},
        {"seq": 2, "region_code": "140500", "region_name": "晋城市", "department": "人口管理支队",
         "task": "户籍证明审核出具", "status": "办理", "timeline": []},
    ]
    app = MineApplication.model_validate({
        "application_number": NUMBER, "local_receipt": "L", "status": "受理", "item_code": "H",
        "item_name": "户籍证明开具", "region_received": "140500", "region_handling": "140502",
        "mode": "多地联办", "parts": parts, "submitted_at": AT,
        "timeline": [{"step": "受理", "at": AT, "note": "拆分为2个子件"},
                     {"step": "办结", "at": AT, "note": "", "part": 1}],
    })
    view = mine_view(app, ZONE)
    assert [(p.seq, p.where, p.status) for p in view.parts] == [
        (1, "晋城市城区 户政科", "办结"), (2, "晋城市 人口管理支队", "办理")]
    assert view.timeline[1].part == "晋城市城区 户政科" and view.timeline[0].part == ""
    assert view.status == "受理" and not view.finished
