"""Bench: a photographed page, from the document camera's frame to the verdict the citizen
is shown (drivers/doccam/page.py, kiosk/capture/quality.py), and what sets the thresholds.

Frames are the simulated 高拍仪's (drivers/doccam/samples.py: the 授权委托书's two pages and
the 购房合同 on the desk at a few angles), good and with each fault a citizen makes:
a blurred shot, a lamp's glare, a page running off the platen. For each frame:
`process_frame` (find the outline, straighten, enhance, JPEG) and `assess` (the checks)
are timed, and the verdict is compared with the fault the frame was made with.

Printed: medians of both steps, the page size, the sharpness of good against blurred
frames and the glare share of good against lamp-lit ones (the margins around
[capture] min_sharpness and max_glare), and every wrong verdict.

    .venv/bin/python bench/capture.py [--angles 4]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from drivers.doccam.page import process_frame  # noqa: E402
from drivers.doccam.samples import FAULTS, shot  # noqa: E402
from kiosk.capture.quality import assess  # noqa: E402
from kiosk.capture.settings import CaptureSettings  # noqa: E402

DOCUMENTS = ("letter", "letter2", "contract")
EXPECTED = {"": "", "blurred": "blurred", "glare": "glare", "cut": "cut_off"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--angles", type=int, default=4, help="angles per document and fault")
    args = parser.parse_args()
    settings = CaptureSettings()
    process_s: list[float] = []
    assess_s: list[float] = []
    sizes: list[int] = []
    shape = (0, 0)
    sharp: dict[str, list[float]] = {"": [], "blurred": []}
    glare: dict[str, list[float]] = {"": [], "glare": []}
    wrong: list[str] = []
    total = 0
    for name in DOCUMENTS:
        for fault in ("", *FAULTS):
            for n in range(args.angles):
                angle = -6.0 + 12.0 * n / max(1, args.angles - 1)
                frame = shot(name, fault, angle_deg=angle, seed=n)
                start = time.perf_counter()
                page = process_frame(frame)
                middle = time.perf_counter()
                verdict = assess(page, settings)
                end = time.perf_counter()
                process_s.append(middle - start)
                assess_s.append(end - middle)
                total += 1
                if fault in sharp:
                    sharp[fault].append(verdict.sharpness)
                if fault in glare:
                    glare[fault].append(verdict.glare * 100)
                if fault == "":
                    sizes.append(len(page.jpeg))
                    shape = (page.width, page.height)
                if verdict.first != EXPECTED[fault]:
                    wrong.append(f"{name} {fault or 'good'} {angle:+.1f}°: {verdict.problems}")
    print(f"frames: {total} (1600x1200), documents {', '.join(DOCUMENTS)}, faults {', '.join(FAULTS)}")
    print(f"process_frame: median {statistics.median(process_s):.3f} s, max {max(process_s):.3f} s")
    print(f"assess: median {statistics.median(assess_s):.4f} s, max {max(assess_s):.4f} s")
    print(f"good pages: {shape[0]}x{shape[1]}, JPEG median {statistics.median(sizes) / 1024:.0f} KiB")
    print(f"sharpness: good {min(sharp['']):.1f}-{max(sharp['']):.1f}, blurred "
          f"{min(sharp['blurred']):.1f}-{max(sharp['blurred']):.1f} (min_sharpness {settings.min_sharpness})")
    print(f"glare %: good {min(glare['']):.2f}-{max(glare['']):.2f}, lamp "
          f"{min(glare['glare']):.2f}-{max(glare['glare']):.2f} (max_glare {settings.max_glare * 100:.0f} %)")
    for line in wrong:
        print(f"wrong verdict: {line}")
    print(json.dumps({
        "metric": "capture_process_frame_median", "value": round(statistics.median(process_s), 4),
        "unit": "s", "assess_median_s": round(statistics.median(assess_s), 4),
        "frames": total, "wrong_verdicts": len(wrong),
        "sharpness_good_min": round(min(sharp[""]), 1), "sharpness_blurred_max": round(max(sharp["blurred"]), 1),
        "glare_good_max_pct": round(max(glare[""]), 2), "glare_lamp_min_pct": round(min(glare["glare"]), 2),
        "page_jpeg_median_kib": round(statistics.median(sizes) / 1024, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
