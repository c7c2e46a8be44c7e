"""The simulated printers for the printing UI tests, run in the test process: the A4 printer
(a private cupsd with a cups-pdf queue, drivers/a4/sim_cups.py) and the ESC/POS receipt
printer on TCP (drivers/receipt/simulator.py), with a control socket through which a
scenario (in the app process) changes the paper and counts what came out.

Commands (one line each, reply ``ok ...`` or ``error ...``): ``a4 paper STATE`` (normal |
low | out | jammed), ``a4 delay SECONDS``, ``a4 count`` (PDFs printed), ``receipt paper
STATE``, ``receipt count`` (receipts saved as PNG).
"""

from __future__ import annotations

from pathlib import Path

from drivers.receipt.simulator import PrinterSimulator
from drivers.sim_control import ControlServer
from tests.support.cups import require_simulated_cups, start_simulated_cups, stop_simulated_cups


class PrintersForUi:
    def __init__(self, folder: Path) -> None:
        require_simulated_cups()
        self.a4 = start_simulated_cups()
        self.receipt = PrinterSimulator(folder / "receipts", paper="80mm")
        try:
            self.receipt.start()
        except BaseException:
            stop_simulated_cups(self.a4)
            raise
        self.socket = folder / "printers.sock"
        self._control = ControlServer(self.socket, self._execute)
        self._control.start()

    def site(self) -> str:
        """The [devices] tables of the app's site file for these printers."""
        host, port = self.receipt.address
        return (
            f'[devices.receipt_printer]\ndriver = "escpos"\nurl = "tcp://{host}:{port}"\n'
            'paper = "80mm"\nstatus_interval_s = 0.5\n\n'
            f'[devices.a4_printer]\ndriver = "cups"\nqueue = "{self.a4.queue}"\n'
            f'server = "{self.a4.server}"\nstatus_interval_s = 0.5\n'
        )

    def pdfs(self) -> list[Path]:
        return self.a4.pdfs()

    def receipts(self) -> list[Path]:
        return self.receipt.receipts()

    def close(self) -> None:
        self._control.close()
        self.receipt.stop()
        stop_simulated_cups(self.a4)

    def _execute(self, line: str) -> str:
        words = line.split()
        try:
            match words:
                case ["a4", "paper", state]:
                    self.a4.set_paper(state)
                    return f"ok {self.a4.describe()}"
                case ["a4", "delay", seconds]:
                    self.a4.set_print_delay(float(seconds))
                    return f"ok {self.a4.describe()}"
                case ["a4", "count"]:
                    return f"ok {len(self.a4.pdfs())}"
                case ["receipt", "paper", state]:
                    self.receipt.set_paper(state)
                    return f"ok {state}"
                case ["receipt", "count"]:
                    self.receipt.wait_idle(5)
                    return f"ok {len(self.receipt.receipts())}"
        except Exception as err:  # the scenario reads the reason
            return f"error {type(err).__name__}: {err}"
        return f"error unknown command {line!r}"
