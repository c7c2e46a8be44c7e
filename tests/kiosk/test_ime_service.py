"""Handwriting (zinnia), the IME worker thread, ImeService and `kiosk ime`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from kiosk.ime import ImeUnavailable
from kiosk.ime.settings import InputSettings
from kiosk.ime.worker import ImeWorker
from tests.support.strokes import STROKES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def recognizer():  # type: ignore[no-untyped-def]
    from kiosk.ime.handwriting import ZinniaRecognizer
    from tests.support.services import missing_service

    try:
        rec = ZinniaRecognizer()
    except ImeUnavailable as exc:
        missing_service(str(exc), "libzinnia0")
    yield rec
    rec.close()


# -- handwriting ---------------------------------------------------------------------------
@pytest.mark.parametrize("char", ["张", "李", "王", "城", "区"])
def test_handwriting_reads_each_character_first(recognizer, char: str) -> None:  # type: ignore[no-untyped-def]
    assert recognizer.recognize(STROKES[char], 300, 300)[0] == char


def test_handwriting_on_a_larger_pad_off_centre(recognizer) -> None:  # type: ignore[no-untyped-def]
    # a 800 x 500 pad, the character written small in a corner: normalised the same
    moved = [[(x * 0.6 + 480, y * 0.6 + 20) for x, y in stroke] for stroke in STROKES["张"]]
    assert recognizer.recognize(moved, 800, 500)[0] == "张"


def test_handwriting_without_strokes(recognizer) -> None:  # type: ignore[no-untyped-def]
    assert recognizer.recognize([], 300, 300) == []


def test_missing_handwriting_model_names_the_package(tmp_path: Path) -> None:
    from kiosk.ime.handwriting import ZinniaRecognizer

    with pytest.raises(ImeUnavailable, match="tegaki-zinnia-simplified-chinese"):
        ZinniaRecognizer(tmp_path / "none.model")


# -- worker --------------------------------------------------------------------------------
def test_worker_supersedes_stale_jobs_of_a_field() -> None:
    worker = ImeWorker()
    gate, started = threading.Event(), threading.Event()
    ran: list[str] = []
    results: list[Any] = []
    try:
        worker.submit(lambda: (started.set(), gate.wait(10)), key="other")
        assert started.wait(10)
        for letters in ("s", "sf", "sfz"):
            worker.submit(lambda letters=letters: ran.append(letters) or letters, results.append, key="field")
        worker.submit(lambda: ran.append("name") or "name", results.append, key="name-field")
        gate.set()
        assert worker.idle(10)
    finally:
        worker.close()
    assert ran == ["sfz", "name"]
    assert results == ["sfz", "name"]
    assert worker.superseded == 2


def test_worker_turns_errors_into_results(caplog: pytest.LogCaptureFixture) -> None:
    worker = ImeWorker()
    results: list[Any] = []

    def broken() -> None:
        raise RuntimeError("engine bug")

    try:
        worker.submit(broken, results.append)
        worker.submit(lambda: "still alive", results.append)
        assert worker.idle(10)
    finally:
        worker.close()
    assert isinstance(results[0], ImeUnavailable)
    assert results[1] == "still alive"
    assert "input engine failed" in caplog.text


def test_worker_survives_a_failing_callback() -> None:
    worker = ImeWorker()
    results: list[Any] = []
    try:
        worker.submit(lambda: 1, lambda _: 1 / 0)
        worker.submit(lambda: 2, results.append)
        assert worker.idle(10)
    finally:
        worker.close()
    assert results == [2]


# -- service -------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["rime", "libpinyin"])
def test_service_builds_in_the_background_and_gives_fresh_fields(tmp_path: Path, engine: str) -> None:
    from kiosk.ime.service import ImeService

    service = ImeService(None, None, engine=engine, base_dir=tmp_path, settings=InputSettings(page_size=6))
    try:
        assert service.problem() is None
        service.start()
        assert service.worker.idle(120)
        one, two = service.pinyin(), service.pinyin()
        out: list[Any] = []
        for letter in "wang":
            service.worker.submit(lambda letter=letter: one.key(letter), out.append, key=one)
        service.worker.submit(lambda: two.key("l"), out.append, key=two)
        assert service.worker.idle(30)
        states = [o for o in out if not isinstance(o, Exception)]
        assert states and len(states[-1].candidates) == 6
        assert states[-1].preedit == "l"              # the second field composes on its own
        assert service.handwriting().recognize(STROKES["王"], 300, 300)[0] == "王"
    finally:
        service.close()


def test_service_reports_missing_dictionaries(tmp_path: Path) -> None:
    from kiosk.ime.service import ImeService

    service = ImeService(None, None, engine="libpinyin", base_dir=tmp_path, data=tmp_path / "none")
    try:
        field = service.pinyin()
        with pytest.raises(ImeUnavailable, match="libpinyin-data"):
            field.key("a")
        assert "libpinyin-data" in (service.problem() or "")
    finally:
        service.close()


# -- kiosk ime -----------------------------------------------------------------------------
def _kiosk(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TONGBAN_CONFIG"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return subprocess.run([sys.executable, "-m", "screens.entry", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("engine", ["rime", "libpinyin"])
def test_kiosk_ime_json(tmp_path: Path, engine: str) -> None:
    done = _kiosk("ime", "shenfenzheng", "--json", "--engine", engine, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["engine"] == engine and answer["input"] == "shenfenzheng"
    assert answer["candidates"][0] == "身份证"


def test_kiosk_ime_sfz(tmp_path: Path) -> None:
    done = _kiosk("ime", "sfz", "--json", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "身份证" in json.loads(done.stdout)["candidates"]


def test_kiosk_ime_plain_listing(tmp_path: Path) -> None:
    done = _kiosk("ime", "wang", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith("1. ")


def test_kiosk_ime_refuses_non_pinyin(tmp_path: Path) -> None:
    done = _kiosk("ime", "身份证", tmp_path=tmp_path)
    assert done.returncode == 1
    assert "拼音" in done.stderr


@pytest.mark.parametrize(("engine", "package"), [("rime", "librime1"), ("libpinyin", "libpinyin-data")])
def test_kiosk_ime_without_dictionaries_names_the_package(tmp_path: Path, engine: str, package: str) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _kiosk("ime", "sfz", "--engine", engine, "--data", str(empty), tmp_path=tmp_path)
    assert done.returncode == 1
    assert "请安装 Debian 软件包" in done.stderr and package in done.stderr
    assert "Traceback" not in done.stderr
