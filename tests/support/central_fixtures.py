"""Fixtures shared by the central client, store and outbox tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.central_api.client import CentralClient
from kiosk.central_api.models import Applicant, ApplicationRequest, MaterialRef
from kiosk.central_api.signing import TerminalIdentity
from kiosk.store import Store, open_store
from tests.support.fake_central import FakeCentral
from tests.support.real_central import RealCentral

CITIZEN_ID, CITIZEN_NAME = "110101199003071233", "张三"
ITEM = "11140500MB1234567X4000111001"


def application_request(phone: str = "13800000000", id_number: str = CITIZEN_ID,
                        name: str = CITIZEN_NAME) -> ApplicationRequest:
    return ApplicationRequest(
        item_code=ITEM,
        applicant=Applicant(kind="person", id_number=id_number, name=name),
        form={"phone": phone, "bank_account": "6222020200112233445"},
        materials=[MaterialRef(code="M01", source="licence", ref="1401********0001")],
    )


@pytest.fixture
def central() -> Iterator[FakeCentral]:
    fake = FakeCentral()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def identity(central: FakeCentral) -> TerminalIdentity:
    key = Ed25519PrivateKey.generate()
    central.register("T-0001", key.public_key())
    return TerminalIdentity("T-0001", key, central_url=central.url)


@pytest.fixture
def no_sleep() -> list[float]:
    return []


@pytest.fixture
def client(central: FakeCentral, identity: TerminalIdentity, no_sleep: list[float]) -> Iterator[CentralClient]:
    c = CentralClient(central.url, identity, connect_timeout=1.0, read_timeout=0.5,
                      sleep=no_sleep.append)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "data")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="module")
def real_central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealCentral]:
    """The reference central (`kiosk-central serve`, seeded SQLite), one per module."""
    central = RealCentral(tmp_path_factory.mktemp("central"))
    central.seed()
    central.start()
    try:
        yield central
    finally:
        central.stop()
