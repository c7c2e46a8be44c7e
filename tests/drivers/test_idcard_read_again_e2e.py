"""A card left lying on the reader can be read again for a new session (read_again), and the
driver knows whether a card lies there (card_present), over the simulator on a pty.

GIVEN a simulated reader and SamSerialReader on its stable link,
WHEN a card stays on the reader after its read and the kiosk asks to read it again,
THEN it is read once more without a removal in between; without a card nothing happens.
"""

from __future__ import annotations

import time

from driver_helpers import EventRecorder

from drivers.events import CardPlaced, CardRemoved, IdentityRead
from drivers.idcard.reader import SamSerialReader
from drivers.idcard.simulator import IdCardSimulator

Online = tuple[SamSerialReader, EventRecorder]


def _until(predicate: object, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_a_card_lying_on_the_reader_is_read_again_when_asked(
    online_reader: Online, sim: IdCardSimulator
) -> None:
    reader, events = online_reader
    assert not reader.card_present
    sim.place("zhang_san")
    first = events.wait_for(IdentityRead).card
    assert reader.card_present
    time.sleep(0.2)  # presence checks run: the card is not read again by itself
    assert len(events.of(IdentityRead)) == 1

    mark = events.mark()
    reader.read_again()
    again = events.wait_for(IdentityRead, since=mark).card
    assert again is not first and again.id_number == first.id_number
    assert not events.of(CardRemoved) and len(events.of(CardPlaced)) == 1  # one placement
    assert reader.card_present
    time.sleep(0.2)
    assert len(events.of(IdentityRead)) == 2  # asked once, read once

    sim.remove()
    events.wait_for(CardRemoved)
    _until(lambda: not reader.card_present)


def test_asking_without_a_card_reads_the_next_card_once(
    online_reader: Online, sim: IdCardSimulator
) -> None:
    reader, events = online_reader
    reader.read_again()  # nothing lies there: nothing to read again
    time.sleep(0.1)
    sim.place("li_si")
    events.wait_for(IdentityRead)
    time.sleep(0.3)
    assert len(events.of(IdentityRead)) == 1


def test_a_card_taken_away_when_asked_is_a_removal(
    online_reader: Online, sim: IdCardSimulator
) -> None:
    reader, events = online_reader
    sim.place("wang_wu")
    events.wait_for(IdentityRead)
    sim.remove()
    reader.read_again()
    events.wait_for(CardRemoved)
    time.sleep(0.2)
    assert len(events.of(IdentityRead)) == 1
    assert not reader.card_present
