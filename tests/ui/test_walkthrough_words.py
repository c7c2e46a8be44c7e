"""Issue 11 §4, without a window: the words a citizen reads after the walk-through, the
availability of services when the ID reader is gone, and the longer idle timeout in
适老化 mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.status import ONLINE, DeviceState, DeviceStatus, FaultAction
from kiosk.config import SessionSettings
from kiosk.services import service_views
from kiosk.session import EndReason, IdentitySource, Session, SessionState
from screens import words
from tests.support.cards import make_card

UNPLUGGED = DeviceStatus(DeviceState.NO_DEVICE, FaultAction.MAINTENANCE)
OFFERED = ["identity_check", "yizheng_tongban", "proof_print"]


# -- an unplugged ID reader: the other ways still identify ------------------------------------

def test_an_unplugged_id_reader_leaves_services_open_while_the_card_reader_works() -> None:
    statuses = {"id_reader": UNPLUGGED, "card_reader": ONLINE, "a4_printer": ONLINE}
    views = {v.id: v for v in service_views(OFFERED, statuses, enrolled=True)}
    assert all(v.available for v in views.values()), views
    assert views["identity_check"].ways == ("card_reader",)


def test_the_code_scanner_identifies_only_once_enrolled() -> None:
    statuses = {"id_reader": UNPLUGGED, "code_scanner": ONLINE}
    assert not service_views(["identity_check"], statuses, enrolled=False)[0].available
    view = service_views(["identity_check"], statuses, enrolled=True)[0]
    assert view.available and view.ways == ("code_scanner",)


def test_with_no_way_to_identify_the_id_reader_is_named() -> None:
    statuses = {"id_reader": UNPLUGGED, "card_reader": UNPLUGGED}
    view = service_views(["identity_check"], statuses)[0]
    assert not view.available and view.reason == "device_not_ready:id_reader:no_device"
    assert view.paused_by("id_reader") and not view.paused_by("card_reader")


def test_every_ready_way_is_listed_in_order() -> None:
    statuses = {"id_reader": ONLINE, "card_reader": ONLINE, "code_scanner": ONLINE}
    view = service_views(["identity_check"], statuses, enrolled=True)[0]
    assert view.ways == ("id_reader", "card_reader", "code_scanner")


def test_a_missing_printer_still_pauses_proof_printing() -> None:
    statuses = {"id_reader": UNPLUGGED, "card_reader": ONLINE, "a4_printer": UNPLUGGED}
    view = service_views(["proof_print"], statuses, enrolled=True)[0]
    assert not view.available and view.paused_by("a4_printer")


# -- the banner names the paused service -------------------------------------------------------

def test_the_banner_names_the_service_it_pauses() -> None:
    assert words.device_banner("a4_printer", "paper_out", ["证明打印"]) == "A4打印机缺纸，证明打印暂停，请联系工作人员"
    assert "相关服务" not in words.device_banner("a4_printer", "no_device", ["证明打印"])
    both = words.device_banner("id_reader", "no_device", ["身份核验", "一证通办"])
    assert both == "身份证阅读器未连接，身份核验、一证通办暂停，请联系工作人员"


def test_a_reader_fault_with_other_ways_says_how_to_go_on() -> None:
    text = words.device_banner("id_reader", "no_device", [], ["card_reader", "code_scanner"])
    assert text == "身份证阅读器未连接，请插入社保卡，或出示电子证照码办理"


# -- words for the social security card --------------------------------------------------------

@pytest.mark.parametrize("code", ["read_failed", "timeout", "no_content", "select_failed", "checksum",
                                  "unknown_card", "invalid_card_data", "something_new"])
def test_a_failed_social_security_card_read_never_asks_for_the_id_card(code: str) -> None:
    text = words.read_failed(code, "social_security")
    assert "社保卡" in text or "社会保障卡" in text, text
    assert "身份证" not in text, text


def test_the_id_card_words_are_unchanged() -> None:
    assert words.read_failed("read_failed") == "读卡失败，请将身份证平放在感应区重试"


def test_a_wrong_pin_says_where_a_forgotten_pin_is_reset() -> None:
    for text in (words.read_failed("pin_wrong", "social_security"), words.pin_message(2, again=True),
                 words.pin_message(None, again=True)):
        assert "忘记密码" in text and "重置" in text and "社保" in text, text
    assert words.pin_message(None) == ""


# -- the idle timeout in 适老化 mode ----------------------------------------------------------------

class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def _session(tmp_path: Path, clock: Clock, elderly: bool = False) -> Session:
    return Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path,
                   clock=clock, idle_timeout_elderly=120, elderly=elderly)


def test_elderly_mode_has_the_longer_idle_timeout(tmp_path: Path) -> None:
    clock = Clock()
    ended: list[object] = []
    session = _session(tmp_path, clock, elderly=True)
    session.subscribe(ended.append)
    session.identity_read(make_card(), "identity_check")
    clock.now += 90
    session.tick()
    assert session.state is SessionState.IDENTIFIED       # 60 s would have ended it
    assert round(session.snapshot().seconds_left) == 30
    clock.now += 31
    session.tick()
    assert session.state is SessionState.IDLE
    assert any(getattr(e, "reason", None) == EndReason.IDLE_TIMEOUT.value for e in ended)


def test_switching_elderly_mode_switches_the_timeout(tmp_path: Path) -> None:
    clock = Clock()
    session = _session(tmp_path, clock)
    session.identity_read(make_card(), "identity_check", IdentitySource.ID_CARD)
    assert round(session.snapshot().seconds_left) == 60
    session.set_elderly(True)
    assert round(session.snapshot().seconds_left) == 120
    session.set_elderly(False)
    assert round(session.snapshot().seconds_left) == 60


def test_the_elderly_timeout_is_configurable_and_checked() -> None:
    assert SessionSettings().idle_timeout_elderly_s == 120
    assert SessionSettings(idle_timeout_elderly_s=300).idle_timeout_elderly_s == 300
    with pytest.raises(ValueError):
        SessionSettings(idle_warning_s=30, idle_timeout_elderly_s=20)


# -- an optional material is not tagged 需提交 ---------------------------------------------------

def test_material_tags() -> None:
    from screens.yizheng import words as yz_words

    assert yz_words.material_tag(required=False, exempt=False)[0] == "可不提交"
    assert yz_words.material_tag(required=True, exempt=False)[0] == "需提交"
    assert yz_words.material_tag(required=False, exempt=True)[0] == "免提交"
    assert yz_words.material_tag(required=True, exempt=True)[0] == "免提交"


# -- line breaks: the receipts' rule on the screens' wrapped labels -----------------------------

def _one(piece: str) -> float:
    return float(len(piece))


@pytest.mark.parametrize("width", range(3, 14))
def test_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_one(width: int) -> None:
    from kiosk.linebreak import CLOSING, OPENING
    from screens.linebreak import break_lines

    for text in ("社保卡密码错误。如需重试，请重新插入社保卡。忘记密码请携带身份证到社保窗口重置",
                 "您还可以继续办理（无需再次验证身份）", "“一证通办”暂不可用：本机未接入政务服务平台。",
                 words.DISCARD_DETAIL, words.PIN_FORGOT):
        lines = break_lines(text, width, _one).split("\n")
        assert "".join(lines) == text
        for line in lines[1:]:
            assert line[0] not in CLOSING, (width, lines)
        for line in lines[:-1]:
            assert line[-1] not in OPENING, (width, lines)


def test_no_single_character_is_left_alone_on_the_last_line() -> None:
    from screens.linebreak import break_lines

    lines = break_lines("请将身份证平放在感应区重试", 6, _one).split("\n")
    assert len(lines[-1]) >= 2, lines
    lines = break_lines("细，用于购房、落户、子女入学、招投标等。", 9, _one).split("\n")
    assert lines[-1] == "标等。" and lines[-2][0] not in "，。、", lines
    # A number goes down whole with the orphan: "12号", never "1" / "2号".
    assert break_lines("北京市东城区示例胡同12号", 12, _one).split("\n") == ["北京市东城区示例胡同", "12号"]
    # ... unless too little would stay above it: then the one character before goes down.
    assert break_lines("胡同12345678号", 10, _one).split("\n") == ["胡同1234567", "8号"]


# -- the terminal: a failed card says which card; going on to another service -----------------

class _Device:
    def __init__(self, name: str) -> None:
        from drivers.events import EventHub

        self.name = name
        self.events = EventHub()

    def open(self) -> None: ...
    def close(self) -> None: ...

    def status(self) -> DeviceStatus:
        return ONLINE


@pytest.fixture
def terminal(tmp_path: Path):  # type: ignore[no-untyped-def]
    from kiosk.config import load_config
    from kiosk.terminal import Terminal

    site = tmp_path / "kiosk.toml"
    site.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "{tmp_path / "data"}"\nterminal_code = "T9"\n',
                    encoding="utf-8")
    devices = {"id_reader": _Device("id_reader"), "card_reader": _Device("card_reader")}
    term = Terminal(load_config(site), devices=devices)  # type: ignore[arg-type]
    try:
        yield term
    finally:
        term.store.close()


def test_a_failed_read_names_the_card_that_failed(terminal) -> None:  # type: ignore[no-untyped-def]
    from drivers.errors import DeviceError, ErrorCode
    from drivers.events import ReadFailed as DeviceReadFailed
    from kiosk.events import ReadFailed

    heard: list[object] = []
    terminal.subscribe(heard.append)
    terminal._on_device_event(DeviceReadFailed("card_reader", DeviceError("x", ErrorCode.READ_FAILED)))
    terminal._on_device_event(DeviceReadFailed("id_reader", DeviceError("x", ErrorCode.READ_FAILED)))
    failed = [e for e in heard if isinstance(e, ReadFailed)]
    assert [(e.code, e.source) for e in failed] == [("read_failed", "social_security"), ("read_failed", "id_card")]
    assert "社保卡" in words.read_failed(failed[0].code, failed[0].source)


def test_an_identified_citizen_goes_on_to_another_service_without_a_second_read(terminal) -> None:  # type: ignore[no-untyped-def]
    terminal.session.identity_read(make_card(), "identity_check")
    assert terminal.confirm_identity() is not None
    assert terminal.switch_service("queue_ticket") is None          # not in this version
    assert terminal.session.snapshot().service_id == "identity_check"
    terminal.session.finish(EndReason.FINISHED)
    assert terminal.switch_service("identity_check") is None        # nobody identified


def test_code_results_say_what_happened_and_what_to_do() -> None:
    from kiosk.events import CodeNotice

    assert words.code_result(CodeNotice("appointment", "", item_name="事项", start="12月7日 09:30")) == (
        "预约已核验", "事项，12月7日 09:30，请按时到窗口办理", "success")
    headline, detail, tone = words.code_result(CodeNotice("appointment", "forged"))  # type: ignore[misc]
    assert tone == "danger" and "重新获取" in detail and "窗口咨询" in detail
    assert words.code_result(CodeNotice("print_test")) is None    # a passing remark: a toast
