"""Offline tickets against the real central: blocks reserved while it answers, a ticket
from the block when it does not (printed 离线取号, no wait estimate), its upload through the
outbox joining the queue once central is back — exactly once, also when the upload is sent
again after a lost answer; no block (never online today): no ticket, said plainly; blocks of
another day are dropped and a low block is topped up."""

from __future__ import annotations

import datetime as dt
import json
import time

from sqlalchemy import insert, select

from kiosk.central_api.queue import QueueApi
from kiosk.flows.base import inline_runner
from kiosk.flows.queue_ticket import QueueTicketFlow, Step
from kiosk.outbox_rows import KIND_PRINT_LOG
from kiosk.queue_blocks import KIND_QUEUE_OFFLINE, LOW_WATER, deliver_offline
from kiosk.store.schema import DELIVERED, PENDING, outbox, queue_blocks
from screens.queue_ticket import words
from tests.kiosk import queue_fixtures
from tests.kiosk.queue_fixtures import ZONE, EnrolledHall, Parts, card, receipt_text

hall, parts = queue_fixtures.hall, queue_fixtures.parts   # the fixtures


def queue_rows(parts: Parts) -> list[tuple[str, str, str]]:
    with parts.store.read() as conn:
        rows = conn.execute(select(outbox.c.kind, outbox.c.local_receipt, outbox.c.state)
                            .where(outbox.c.kind != KIND_PRINT_LOG)).all()
    return [tuple(r) for r in rows]


def test_an_offline_ticket_joins_the_queue_once_when_central_is_back(parts: Parts, hall: EnrolledHall) -> None:
    flow = parts.flow
    flow.load()                                   # online: today's blocks are reserved
    left = parts.blocks.left("A")
    assert left >= LOW_WATER
    hall.central.stop()
    try:
        flow.wipe()
        flow.load()
        assert flow.step is Step.CATEGORIES and flow.offline
        assert [c.code for c in flow.categories] == ["A", "B", "C"]
        assert all(c.waiting is None for c in flow.categories)
        parts.session.identity_read(card(age=66, name="卫国华", serial="411"), "queue_ticket")
        flow.identity_arrived()
        flow.choose("A")
        assert flow.step is Step.DONE, flow.error
        ticket = flow.ticket
        assert ticket is not None and ticket.offline and ticket.kind == "green"
        text = receipt_text(parts.paper.printed[-1])
        assert "离线取号" in text and "暂无法估算" in text and ticket.label in text
        assert "绿色通道" in text and "QR" not in text
        assert parts.blocks.left("A") == left - 1
        receipt = f"Q-{ticket.taken_at.date().isoformat()}-{ticket.label}"
        assert queue_rows(parts) == [(KIND_QUEUE_OFFLINE, receipt, PENDING)]
        assert hall.tickets(ticket.label) == []
    finally:
        hall.central.start()
    # What the outbox keeps (encrypted under the store key), read before it is delivered.
    with parts.store.read() as conn:
        key, blob = conn.execute(select(outbox.c.idempotency_key, outbox.c.payload_encrypted)
                                 .where(outbox.c.local_receipt == receipt)).one()
    body = parts.store.cipher.decrypt(bytes(blob), key)
    assert json.loads(body)["birth_date"] == parts.flow.birth_date   # nothing else of the card
    assert set(json.loads(body)) == {"category", "number", "taken_at", "birth_date"}
    # Central is back: the outbox delivers it.
    delivered = parts.outbox.deliver_now(receipt, timeout=20)
    assert delivered.state == DELIVERED, delivered.error_code
    assert hall.tickets(ticket.label) == [(ticket.label, "green", 1, "waiting")]
    # Sent again with the same key (the answer was lost before the local commit): one ticket.
    deliver_offline(parts.client, body, key)
    assert parts.outbox.deliver_now(receipt).state == DELIVERED
    assert len(hall.tickets(ticket.label)) == 1


def test_the_worker_delivers_by_itself(parts: Parts, hall: EnrolledHall) -> None:
    flow = parts.flow
    flow.load()
    hall.central.stop()
    try:
        flow.wipe()
        flow.load()
        flow.choose("C")
        ticket = flow.ticket
        assert ticket is not None and ticket.offline and ticket.kind == "normal"
    finally:
        hall.central.start()
    parts.outbox.retry()          # due now, as after the worker's pause
    parts.outbox.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and queue_rows(parts)[0][2] != DELIVERED:
        parts.outbox.wake()
        time.sleep(0.1)
    assert queue_rows(parts)[0][2] == DELIVERED
    assert hall.tickets(ticket.label) == [(ticket.label, "normal", 1, "waiting")]


def test_no_block_today_means_no_ticket_and_the_service_desk(parts: Parts, hall: EnrolledHall) -> None:
    hall.central.stop()
    try:
        parts.flow.load()
        assert (parts.flow.step, parts.flow.error) == (Step.ERROR, "no_block")
        assert "服务台" in words.error("no_block")
    finally:
        hall.central.start()
    # Not enrolled at all: the same words, never a crash.
    bare = QueueTicketFlow(parts.session, None, parts.blocks, parts.paper, ZONE, runner=inline_runner)
    bare.load()
    assert (bare.step, bare.error) == (Step.ERROR, "no_block")


def test_old_blocks_are_dropped_and_a_low_block_is_topped_up(parts: Parts, hall: EnrolledHall) -> None:
    yesterday = (dt.datetime.now(ZONE).date() - dt.timedelta(days=1)).isoformat()
    with parts.store.write() as conn:
        conn.execute(insert(queue_blocks).values(day=yesterday, category="A", category_name="综合",
                                                 first=1, last=50, next_number=3, reserved_at=0.0))
    api = QueueApi(parts.client)
    listing = api.categories()
    assert parts.blocks.refresh(api, listing.categories, listing.hall, listing.hall_name) == 3
    with parts.store.read() as conn:
        days = {r.day for r in conn.execute(select(queue_blocks.c.day)).all()}
    assert days == {parts.blocks.today().isoformat()}
    assert parts.blocks.refresh(api, listing.categories, listing.hall, listing.hall_name) == 0
    # Use the block down to below the low-water mark: the next refresh reserves a new one.
    while parts.blocks.left("B") >= LOW_WATER:
        assert parts.blocks.take("B", None, False) is not None
    assert parts.blocks.refresh(api, listing.categories, listing.hall, listing.hall_name) == 1
    assert parts.blocks.left("B") >= LOW_WATER
