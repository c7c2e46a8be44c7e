"""A broken or hostile configuration file ends in a line naming the file, the key and the
reason (under a Chinese heading, with the fix), and a non-zero exit: never a traceback (issue 10 §3). Each case runs through
`kiosk config check` and `kiosk run` as the technician and systemd would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config

KIOSK = shutil.which("kiosk", path=os.path.dirname(sys.executable)) or "kiosk"
HALL = 'profile = "hall"\n'


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TONGBAN_CONFIG": "/nonexistent/kiosk.toml"}
    return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=60, env=env)


def _bytes(body: bytes) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / "site.toml"
        path.write_bytes(body)
        return path

    return make


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"
    path.mkdir()
    return path


# (case, how to make the file, the key the message names, words of the reason)
CASES: list[tuple[str, Callable[[Path], Path], str, str]] = [
    ("invalid UTF-8", _bytes(HALL.encode() + b'[terminal]\nhall_name = "\xff\xfe"\n'), "", "UTF-8"),
    ("arrays nested 1,200 deep", _bytes(b"x = " + b"[" * 1200 + b"]" * 1200 + b"\n"), "", "deep"),
    ("inline tables nested 1,200 deep", _bytes(b"x = " + b"{a=" * 1200 + b"1" + b"}" * 1200), "", "deep"),
    ("tables nested 1,200 deep", _bytes(b"[" + b".".join([b"a"] * 1200) + b"]\n"), "", "deep"),
    ("a directory given as the file", _directory, "", "not a regular file"),
    ("~nosuchuser in a path",
     _bytes(HALL.encode() + b'[terminal]\ndata_dir = "~nosuchuser-tongban/data"\n'),
     "terminal.data_dir", "nosuchuser-tongban"),
    ("a NUL in a path", _bytes(HALL.encode() + b'[terminal]\ndata_dir = "data\\u0000x"\n'),
     "terminal.data_dir", "NUL"),
    ("a NUL in a device port",
     _bytes(HALL.encode() + b'[devices.id_reader]\nport = "/dev/ttyUSB0\\u0000"\n'),
     "devices.id_reader.port", "NUL"),
    ("a very long profile name", _bytes(b'profile = "' + b"a" * 100_000 + b'"\n'), "profile", "profile name"),
    ("a profile name with a slash", _bytes(b'profile = "../../etc/passwd"\n'), "profile", "profile name"),
    ("a CA bundle path too long for the system",
     _bytes(HALL.encode() + b'[central]\nca_bundle = "/' + b"a" * 5000 + b'"\n'),
     "central.ca_bundle", "is not a file"),
    ("an integer of 5,000 digits", _bytes(b"x = " + b"9" * 5000 + b"\n"), "", "TOML"),
]


@pytest.mark.parametrize(("case", "make", "key", "reason"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_file_is_a_config_error_naming_file_key_and_reason(
    tmp_path: Path, case: str, make: Callable[[Path], Path], key: str, reason: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    err = caught.value
    assert (err.file, err.key) == (str(path), key), case
    assert reason in err.reason, err.reason
    assert len(str(err)) < 400 + len(str(path))  # one line a technician can read


@pytest.mark.parametrize(("case", "make", "key", "reason"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", [("config", "check", "{}"), ("--config", "{}", "run")])
def test_config_check_and_start_up_exit_non_zero_naming_the_problem(
    tmp_path: Path,
    case: str,
    make: Callable[[Path], Path],
    key: str,
    reason: str,
    command: tuple[str, ...],
) -> None:
    path = make(tmp_path)
    result = kiosk(*(part.format(path) for part in command))
    assert result.returncode != 0, case
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    where = f"{path}: {key}: " if key else f"{path}: "
    # A Chinese heading, one `file: key: reason` line, the fix.
    heading, line, fix = result.stderr.splitlines()
    assert heading.startswith("kiosk: 配置有误，共 1 处"), heading
    assert line.startswith(where) and reason in line, line
    assert fix.startswith("修改方法") and "kiosk config check" in fix, fix


def test_a_file_that_never_ends_is_not_read_forever(tmp_path: Path) -> None:
    fifo = tmp_path / "site.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config("/dev/zero")


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_bytes(HALL.encode() + b"#" * (2 << 20) + b"\n")
    with pytest.raises(ConfigError, match="larger than"):
        load_config(path)
