"""Which steps the 办件 timeline row shows: those done, then those still to come in the
order of the application's kind (docs/casework.md §3)."""

from __future__ import annotations

from screens.yizheng.timeline import steps_to_show


def names(done: list[tuple[str, str]]) -> list[tuple[str, bool]]:
    return [(name, is_done) for name, _at, is_done in steps_to_show(done)]


def test_a_local_application_shows_the_usual_steps_without_the_remote_ones() -> None:
    assert names([("申请", "09:00"), ("受理", "09:00")]) == [
        ("申请", True), ("受理", True), ("办理", False), ("办结", False), ("送达", False)]


def test_a_remote_application_shows_collection_and_transfer() -> None:
    assert [n for n, _ in names([("申请", "09:00"), ("代收", "09:00")])] == [
        "申请", "代收", "受理", "流转", "办理", "办结", "送达"]


def test_yidi_daishou_shows_its_chain_of_custody_to_come() -> None:
    assert names([("申请", "09:00"), ("收件", "09:00")]) == [
        ("申请", True), ("收件", True), ("形式审查", False), ("寄递", False),
        ("属地受理", False), ("办结", False), ("送达", False)]
    advanced = [("申请", ""), ("收件", ""), ("形式审查", ""), ("寄递", "")]
    assert [n for n, d in names(advanced) if not d] == ["属地受理", "办结", "送达"]
