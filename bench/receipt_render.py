"""Bench: rendering a typical receipt to ESC/POS bytes, and whether printing is bound by the
printer's mechanism rather than by the software or the link.

A typical receipt is the 办件受理回执 (about 20 lines of Chinese, a QR code) on 80 mm paper.
For each Chinese mode (raster: the safe default; gb18030: native text) it measures:

- render: median wall time of ``EscposPrinter.render`` over ROUNDS runs (target <= 20 ms);
- size: the bytes a job sends;
- mechanism: the paper length of the job at 250 mm/s (the driver's own estimate);
- link time over serial at 115200 baud (10 bits a byte: start, 8 data, stop) and over TCP,
  measured by sending the job to the printer simulator on 127.0.0.1 and waiting for the
  answer to a DLE EOT sent after it (all bytes taken);
- the ratios link / mechanism: below 1 means the printer's mechanism, not the link, sets
  the pace (serial needs the printer's receive buffer to keep up; TCP is far below).

    .venv/bin/python bench/receipt_render.py [--rounds 200]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from drivers.receipt.printer import EscposPrinter  # noqa: E402
from drivers.receipt.simulator import PrinterSimulator  # noqa: E402
from drivers.receipt.stream import estimate_print_seconds  # noqa: E402
from kiosk.printing.documents.receipts import ApplicationReceiptData, application_receipt  # noqa: E402

TARGET_MS = 20.0
SERIAL_BAUD = 115200
MM_PER_S = 250.0


def typical_receipt() -> ApplicationReceiptData:
    return ApplicationReceiptData(
        item_name="城乡居民基本养老保险参保登记", applicant_name="张三",
        applicant_id_number="11010519491231002X",
        submitted_at=dt.datetime(2026, 11, 23, 9, 30).astimezone(),
        local_receipt="DEMO-0001-20261123-0007", terminal_code="DEMO-0001",
        hall_name="晋城市政务服务中心", application_number="14050020261123000042", status="受理",
        next_steps="承诺1个工作日内办结，结果将通过短信通知，也可凭办件编号在政务服务网或本机查询办理进度。",
        where_to_go="晋城市政务服务中心二楼社保窗口", phone="0356-12345678",
    )


def tcp_send_seconds(sim: PrinterSimulator, data: bytes, rounds: int) -> float:
    """Median time to hand ``data`` to the simulator over TCP (until a DLE EOT sent after
    it is answered, i.e. every byte was taken)."""
    host, port = sim.address
    times = []
    for _ in range(rounds):
        with socket.create_connection((host, port), timeout=10) as conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            started = time.perf_counter()
            conn.sendall(data + b"\x10\x04\x01")
            if not conn.recv(1):
                raise RuntimeError("the simulator closed the connection")
            times.append(time.perf_counter() - started)
        sim.wait_idle(10)
    return statistics.median(times)


def measure(mode: str, rounds: int, sim: PrinterSimulator) -> dict[str, float | int | str]:
    printer = EscposPrinter(name="bench", url="file:///dev/null", profile="80mm", chinese=mode)
    document = application_receipt(typical_receipt())
    printer.render(document)                          # warm-up: font load, glyph cache
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        data = printer.render(document)
        times.append(time.perf_counter() - started)
    render_ms = statistics.median(times) * 1000
    mechanism_s = estimate_print_seconds(data, "80mm", MM_PER_S)
    serial_s = len(data) * 10 / SERIAL_BAUD
    tcp_s = tcp_send_seconds(sim, data, max(5, rounds // 20))
    return {
        "mode": mode, "render_ms": round(render_ms, 2), "render_p90_ms": round(sorted(times)[int(len(times) * 0.9)] * 1000, 2),
        "bytes": len(data), "mechanism_s": round(mechanism_s, 3),
        "serial_s": round(serial_s, 3), "tcp_s": round(tcp_s, 4),
        "serial_ratio": round(serial_s / mechanism_s, 3), "tcp_ratio": round(tcp_s / mechanism_s, 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-receipt-") as out:
        sim = PrinterSimulator(Path(out), paper="80mm", speed_mm_s=0)
        sim.start()
        try:
            results = [measure(mode, args.rounds, sim) for mode in ("raster", "gb18030")]
        finally:
            sim.stop()
    for r in results:
        print(f"{r['mode']:>8}: render median {r['render_ms']} ms (p90 {r['render_p90_ms']} ms), "
              f"{r['bytes']} bytes; mechanism {r['mechanism_s']} s at {MM_PER_S:g} mm/s; "
              f"link serial {r['serial_s']} s (ratio {r['serial_ratio']}), "
              f"TCP {r['tcp_s']} s (ratio {r['tcp_ratio']})")
    raster = results[0]
    summary = {
        "metric": "receipt_render_ms", "value": raster["render_ms"], "unit": "ms",
        "target": TARGET_MS, "ratio": round(float(raster["render_ms"]) / TARGET_MS, 3),
        "bytes": raster["bytes"], "mechanism_s": raster["mechanism_s"],
        "serial_link_ratio": raster["serial_ratio"], "tcp_link_ratio": raster["tcp_ratio"],
        "gb18030": {k: v for k, v in results[1].items() if k != "mode"},
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
