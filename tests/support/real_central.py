"""The real reference central (`kiosk-central`) as a subprocess on 127.0.0.1, for
integration tests and benchmarks. Terminal code never imports central/: this drives its CLI."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
KIOSK_CENTRAL = shutil.which("kiosk-central", path=str(BIN)) or "kiosk-central"
KIOSK = shutil.which("kiosk", path=str(BIN)) or "kiosk"

SEED = REPO_ROOT / "central" / "seed"
# An item of central/seed/catalogue.toml the first seeded citizen (张三) can do with his card.
PENSION_ITEM = "11140500MB1947036N4000111001"
PENSION_FORM = {"phone": "13800000000", "bank_account": "6222020200112233445", "insure_grade": "300元"}


@dataclass(frozen=True)
class SeedPerson:
    id_number: str
    name: str
    licences: dict[str, str]          # licence type -> number (what a material ref names)


def seed_person(index: int = 0) -> SeedPerson:
    """A citizen from central's demo seed, read from its file so the tests follow the seed."""
    with (SEED / "people.toml").open("rb") as fh:
        person = tomllib.load(fh)["persons"][index]
    return SeedPerson(person["id_number"], person["name"],
                      {lic["type"]: lic["number"] for lic in person.get("licences", [])})


def central_available() -> bool:
    return (REPO_ROOT / "central" / "cli.py").is_file() and Path(KIOSK_CENTRAL).exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RealCentral:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.db_path = folder / "central.db"
        self.db_url = f"sqlite:///{self.db_path}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "central.log"
        self.extra_args: list[str] = []

    def _cli(self, *args: str) -> str:
        done = subprocess.run([KIOSK_CENTRAL, *args], capture_output=True, text=True, timeout=120,
                              cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"kiosk-central {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip()

    def seed(self) -> None:
        self._cli("seed", "--db", self.db_url)

    def add_terminal(self, hall: str = "晋城市政务服务中心", region: str = "140500", profile: str = "hall") -> str:
        return self._cli("terminal", "add", "--db", self.db_url, "--hall", hall, "--region", region,
                         "--profile", profile).splitlines()[-1]

    def start(self, timeout: float = 60.0) -> str:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [KIOSK_CENTRAL, "serve", "--db", self.db_url, "--host", "127.0.0.1", "--port", str(self.port),
                 *self.extra_args],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.folder, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kiosk-central serve exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self.url
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("kiosk-central serve did not answer /health in time")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)        # its own session: uvicorn and its children
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        """Read central's database directly (tests only: the terminal never does)."""
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30) as conn:
            return conn.execute(sql, params).fetchall()
