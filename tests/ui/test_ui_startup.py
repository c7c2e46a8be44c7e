"""Start-up of the kiosk UI: Kivy lockdown settings, the CJK font, clear start-up errors,
and the words screens show for stable codes. No window needed: these are fast."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from ui_helpers import ROOT, write_site

from drivers import fonts as font_finder
from screens import fonts, words
from screens.app import input_provider

pytestmark = pytest.mark.ui


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "KIVY_HOME": str(tmp_path / "kivy"), "PYTHONPATH": str(ROOT),
           "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def _kiosk_run(site: Path, tmp_path: Path, *prelude: str) -> subprocess.CompletedProcess[str]:
    return _run("\n".join([*prelude, "import sys",
                           "from screens.entry import main",
                           f"sys.exit(main(['--config', {str(site)!r}, 'run', '--windowed']))"]), tmp_path)


def test_one_input_provider_from_the_configured_touch_input() -> None:
    assert input_provider("mouse") == ("mouse", "mouse,disable_multitouch")
    assert input_provider("mtdev:/dev/input/event4") == ("touchscreen", "mtdev,/dev/input/event4")
    assert input_provider("hidinput:/dev/input/event2") == ("touchscreen", "hidinput,/dev/input/event2")


@pytest.mark.parametrize("windowed", [False, True])
def test_kivy_is_locked_down_before_it_starts(tmp_path: Path, windowed: bool) -> None:
    site = write_site(tmp_path, tmp_path / "idreader")
    result = _run(f"""
        import json
        from kiosk.config import load_config
        from screens.app import configure_kivy
        configure_kivy(load_config({str(site)!r}), windowed={windowed})
        from kivy.config import Config
        print(json.dumps({{
            "exit_on_escape": Config.get("kivy", "exit_on_escape"),
            "fullscreen": Config.get("graphics", "fullscreen"),
            "borderless": Config.get("graphics", "borderless"),
            "show_cursor": Config.get("graphics", "show_cursor"),
            "size": [Config.get("graphics", "width"), Config.get("graphics", "height")],
            "input": dict(Config.items("input")),
        }}))
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout.strip().splitlines()[-1])
    assert settings["exit_on_escape"] == "0"
    assert settings["input"] == {"mouse": "mouse,disable_multitouch"}
    if windowed:
        assert settings["fullscreen"] == "0" and settings["size"] == ["1280", "800"]
    else:
        assert settings["fullscreen"] == "auto"
        assert settings["borderless"] == "1" and settings["show_cursor"] == "0"


def test_no_chinese_font_is_a_clear_start_up_error(tmp_path: Path) -> None:
    site = write_site(tmp_path, tmp_path / "idreader")
    result = _kiosk_run(site, tmp_path,
                        "import drivers.fonts as f",
                        "f.KNOWN_FONTS = ()",
                        "f.fontconfig_list = lambda: []")
    assert result.returncode == 1
    assert "未找到中文字体" in result.stderr and "No Chinese (CJK) font found" in result.stderr
    assert "apt-get install fonts-wqy-microhei" in result.stderr and "fonts-noto-cjk" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_configured_font_that_is_missing_is_named(tmp_path: Path) -> None:
    site = write_site(tmp_path, tmp_path / "idreader")
    site.write_text(site.read_text().replace("[ui]\n", '[ui]\nfont = "/nonexistent/kaiti.ttf"\n'))
    result = _kiosk_run(site, tmp_path)
    assert result.returncode == 1
    assert "ui.font" in result.stderr and "/nonexistent/kaiti.ttf" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_terminal_that_cannot_start_says_so_plainly(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    site = write_site(tmp_path, tmp_path / "idreader")
    site.write_text(site.read_text().replace(str(tmp_path / "data"), str(blocker / "data")))
    result = _kiosk_run(site, tmp_path)
    assert result.returncode == 1
    assert "终端启动失败，请联系技术人员" in result.stderr
    assert "The kiosk could not start" in result.stderr
    assert "Traceback" not in result.stderr


def test_fontconfig_fallback_prefers_simplified_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    listing = ("/f/NotoSansCJK-Regular.ttc\t0\tNoto Sans CJK JP\n"
               "/f/NotoSansCJK-Regular.ttc\t2\tNoto Sans CJK SC\n"
               "/f/SomeFont.ttf\t0\tSome Font\n"
               "/f/NotoSansSC.otf\t0\tNoto Sans SC\n")
    monkeypatch.setattr(font_finder.shutil, "which", lambda _name: "/usr/bin/fc-list")
    monkeypatch.setattr(font_finder.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=listing))
    assert font_finder.fontconfig_list()[0].path == Path("/f/NotoSansSC.otf")


def test_the_system_font_is_found() -> None:
    choice = fonts.find_cjk_font()
    assert choice.path.is_file() and choice.how in ("known", "fontconfig")


def test_codes_become_plain_chinese() -> None:
    assert words.service_reason("not_in_version") == "暂未开通"
    assert words.service_reason("device_missing:a4_printer") == "本机未配置A4打印机"
    assert words.service_reason("device_not_ready:id_reader:no_device") == "身份证阅读器未连接"
    assert words.service_reason("device_not_ready:receipt_printer:supplies") == "凭条打印机耗材不足"
    assert words.device_banner("id_reader", "no_device", ["身份核验"]) == "身份证阅读器未连接，身份核验暂停，请联系工作人员"
    assert words.read_failed("invalid_card_data") == "证件信息校验未通过，请到人工窗口办理"
    assert words.read_failed("read_failed") == "读卡失败，请将身份证平放在感应区重试"
    assert words.read_failed("something_new") == words.READ_FAILED_DEFAULT
    assert words.ended("idle_timeout") == "长时间未操作，已返回首页，您的信息已清除"
    assert words.countdown(44.2) == "剩余 45 秒"


@pytest.mark.ui
def test_fullscreen_covers_the_whole_screen_without_a_window_manager(
    tmp_path: Path, xvfb_display: str
) -> None:
    """A kiosk X session has no window manager; the window must still cover the screen."""
    site = tmp_path / "site.toml"
    site.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "{tmp_path / "data"}"\n'
                    f'[devices.id_reader]\nport = "{tmp_path / "absent"}"\n', encoding="utf-8")
    kiosk = Path(sys.executable).with_name("kiosk")
    proc = subprocess.Popen([str(kiosk), "--config", str(site), "run"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        geometry = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "政务服务大厅一体机" not in geometry:
            time.sleep(0.3)
            geometry = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True,
                                      text=True, check=False).stdout
        line = next((ln for ln in geometry.splitlines() if "政务服务大厅一体机" in ln), "")
        assert "1280x800+0+0" in line, geometry
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
