"""The smart cards and the camera slot for the cards UI tests, run in the test process: a
VirtualCard in the first vpcd reader of a private pcscd (tests/support/pcsc.py), the image
file the app's simulated camera films (``[devices.code_scanner] slot``), and the central's
code-issuing command line. A scenario (in the app process) drives them through a control
socket.

Commands (one line each, reply ``ok ...`` or ``error ...``): ``insert KEY`` (a card of
drivers/pcsc/vcards.toml, returned once pcscd sees it), ``remove``, ``show eid ID_NUMBER``
(a fresh single-use electronic ID code from central), ``show appointment`` (a genuine
appointment at this hall in 20 minutes; the reply is its item name), ``show forged`` (that
appointment with its signature altered), ``clear`` (nothing in front of the camera).
Replies never carry a code or a card's content.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import qrcode
from central_control import CentralForUi

from drivers.pcsc.vcard_card import VirtualCard
from drivers.sim_control import ControlServer
from tests.support.pcsc import Pcscd, wait_card_state
from tests.support.real_central import KIOSK_CENTRAL, PENSION_ITEM, RealCentral

HALL = "晋城市政务服务中心"      # the hall profile's hall_name (config/hall.toml)
BEIJING = dt.timezone(dt.timedelta(hours=8))


class CardsForUi:
    def __init__(self, folder: Path, daemon: Pcscd) -> None:
        self.reader = daemon.reader_names[0]
        self.card = VirtualCard(None, port=daemon.ports[0], retry_s=0.05)
        self.card.start()
        self.slot = folder / "camera" / "front.png"
        self.slot.parent.mkdir(parents=True, exist_ok=True)
        self.central: RealCentral | None = None
        self.shown: list[str] = []            # every code held up, for the test to check logs
        self._appointment = ""
        self.socket = folder / "cards.sock"
        self._control = ControlServer(self.socket, self._execute)
        self._control.start()

    def site(self) -> str:
        """The [devices] tables of the app's site file for this reader and camera."""
        return (
            f'[devices.card_reader]\ndriver = "pcsc"\nreaders = ["{self.reader}"]\n'
            "ssse_pin_required = true\npoll_s = 0.3\n\n"
            f'[devices.code_scanner]\ndriver = "camera_sim"\nslot = "{self.slot}"\n'
        )

    def central_ready(self, hub: CentralForUi) -> None:
        """run_scenario's ``central_ready``: codes are issued by this central."""
        self.central = hub.central

    def close(self) -> None:
        self._control.close()
        self.card.stop()
        self.slot.unlink(missing_ok=True)

    # -- codes ---------------------------------------------------------------------------------

    def _issue(self, *args: str) -> str:
        if self.central is None:
            raise RuntimeError("no central to issue codes")
        done = subprocess.run([KIOSK_CENTRAL, *args, "--db", self.central.db_url],
                              capture_output=True, text=True, timeout=60, cwd=self.central.folder)
        if done.returncode != 0:
            raise RuntimeError(f"kiosk-central {args[0]} {args[1]}: {done.stderr.strip()}")
        return done.stdout.strip().splitlines()[-1]

    def _hold_up(self, code: str) -> None:
        """The code as a QR image in the slot, written whole before the camera looks."""
        self.shown.append(code)
        image = qrcode.make(code, box_size=8, border=4)
        partial = self.slot.with_name("writing.png")
        image.save(partial)
        os.replace(partial, self.slot)

    def _show(self, what: str, arg: str) -> str:
        if what == "eid":
            self._hold_up(self._issue("eid", "issue", "--id-number", arg))
            return "ok eid"
        if what == "appointment":
            start = (dt.datetime.now(BEIJING) + dt.timedelta(minutes=20)).isoformat(timespec="minutes")
            self._appointment = self._issue("appointment", "issue", "--item", PENSION_ITEM,
                                            "--hall", HALL, "--start", start)
            self._hold_up(self._appointment)
            return "ok appointment"
        if what == "forged":
            if not self._appointment:
                return "error show an appointment first"
            payload, signature = self._appointment.split(".")
            # Same length, another first byte: it still decodes, and no longer verifies.
            forged = ("B" if signature[0] != "B" else "C") + signature[1:]
            self._hold_up(f"{payload}.{forged}")
            return "ok forged"
        return f"error nothing to show as {what!r}"

    # -- the control socket ----------------------------------------------------------------------

    def _execute(self, line: str) -> str:
        words = line.split()
        try:
            match words:
                case ["insert", key]:
                    self.card.insert(key)
                    wait_card_state(self.reader, present=True)
                    return f"ok {key}"
                case ["remove"]:
                    if self.card.remove() is not None:
                        wait_card_state(self.reader, present=False)
                    return "ok removed"
                case ["show", what, *rest]:
                    return self._show(what, rest[0] if rest else "")
                case ["clear"]:
                    self.slot.unlink(missing_ok=True)
                    return "ok cleared"
                case ["status"]:
                    return f"ok {self.card.status().line()}"
        except Exception as err:  # the scenario reads the reason
            return f"error {type(err).__name__}: {err}"
        return f"error unknown command {line!r}"
