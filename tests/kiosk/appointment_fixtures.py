"""What the 预约办事 tests share (flow, slip, UI): invented citizens with valid ID numbers, a
terminal enrolled with the real central, and a calendar that knows the test's dates.

The calendar: central seeds the years the `chinesecalendar` package knows (up to 2026 in
the version pinned); a test running later would find every date `calendar_unknown`. So the
tests import each year they need through central's real import (`kiosk-central calendar
import FILE`) when central does not know it, with the file marked as test data: no
holidays, no make-up workdays, a source that says it is not a State Council notice.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drivers.idcard.model import CardType, IdentityCard
from kiosk import hall_time
from kiosk.central_api.client import CentralClient
from kiosk.central_api.signing import TerminalIdentity, public_key_b64
from tests.support.real_central import KIOSK_CENTRAL, RealCentral

ZONE = hall_time.load_zone("Asia/Shanghai")
HALL_NAME = "晋城市政务服务中心"
BANK_SITE = "山西银行晋城分行营业部"
HALL = "JC-ZWZX"
PENSION = "11140500MB1947036N4000111001"      # 城乡居民基本养老保险参保登记 (B 社保; 错时, 无休)
PENSION_NAME = "城乡居民基本养老保险参保登记"
TEST_SOURCE = "TEST DATA (tests/kiosk/appointment_fixtures.py): not a State Council notice"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(serial: int, born: dt.date = dt.date(1980, 5, 17)) -> str:
    """A GB 11643 number (check character computed) for an invented person."""
    body = f"140502{born:%Y%m%d}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def citizen(serial: int, name: str = "李秀英") -> IdentityCard:
    number = id_number(serial)
    born = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    return IdentityCard(card_type=CardType.RESIDENT, name=name, gender="女", nation="汉",
                        birth_date=born, address="山西省晋城市城区示例街8号",
                        id_number=number, valid_until="长期")


def enrolled(central: RealCentral, hall_name: str = HALL_NAME, region: str = "140500",
             profile: str = "hall") -> CentralClient:
    """A client of a terminal enrolled with ``central`` at ``hall_name`` (the caller closes it)."""
    key = Ed25519PrivateKey.generate()
    code = central.add_terminal(hall=hall_name, region=region, profile=profile)
    with CentralClient(central.url, None) as anonymous:
        answer = anonymous.enroll(code, public_key_b64(key), "appointment-test")
    identity = TerminalIdentity(answer.terminal_id, key, central.url, answer.hall_name)
    return CentralClient(central.url, identity)


def _kind(central: RealCentral, day: dt.date) -> str:
    done = subprocess.run([KIOSK_CENTRAL, "calendar", day.isoformat(), "--db", central.db_url, "--json"],
                          capture_output=True, text=True, timeout=60, check=True)
    return str(json.loads(done.stdout)["kind"])


def ensure_calendar(central: RealCentral, folder: Path, days: int = 45) -> list[int]:
    """Import a test year for each year from today to ``days`` ahead that central does not
    know. Returns the years imported (none while chinesecalendar covers them)."""
    today = hall_time.today(ZONE)
    imported = []
    for year in sorted({today.year, (today + dt.timedelta(days=days)).year}):
        if _kind(central, dt.date(year, 6, 1)) != "unknown":
            continue
        path = folder / f"calendar-{year}-test.toml"
        path.write_text(f'year = {year}\nsource = "{TEST_SOURCE}"\nholidays = []\nmake_up_workdays = []\n',
                        encoding="utf-8")
        subprocess.run([KIOSK_CENTRAL, "calendar", "import", str(path), "--db", central.db_url],
                       capture_output=True, text=True, timeout=60, check=True)
        imported.append(year)
    return imported
