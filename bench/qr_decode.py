"""Bench: decoding speed of the code decoders on camera frames, on one CPU core.

Frames are 1280x720 gray, as a kiosk camera delivers them: a QR code carrying Chinese
text (UTF-8) held up at a realistic size (200-300 px across, slightly rotated, reduced
contrast, soft) in a noisy, photo-like hall scene; plus empty frames of the same scenes.
Every decoder in drivers.scan.decode.DECODERS (zxing-cpp and zbar, all formats and QR
only) decodes the same frames side by side in each round, pinned to one core with
OpenMP / OpenCV threads at 1, so the figures compare like with like.

Figures per decoder: frames per second with a code in view and on empty frames (median
over rounds), and how many code frames it actually decoded. The target: the default
decoder (drivers.scan.decode.DEFAULT_DECODER) sustains >= 60 fps with a code in view.

    .venv/bin/python bench/qr_decode.py [--rounds 5] [--frames 12] [--cpu N]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import os

# Before numpy / OpenCV load: their thread pools must not spread over other cores.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from drivers.scan import synth  # noqa: E402
from drivers.scan.decode import DECODERS, DEFAULT_DECODER, Decoder, make_decoder  # noqa: E402

TARGET_FPS = 60.0
WIDTH, HEIGHT = 1280, 720
CODE_TEXT = "晋城市政务服务中心 预约取号 https://zwfw.example.gov.cn/q?id=14050020261123000042"


def make_frames(count: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``count`` frames with a code and ``count`` empty frames of the same scenes."""
    rng = np.random.default_rng(7)
    code = synth.qr_image(CODE_TEXT)
    with_code, empty = [], []
    for i in range(count):
        scene = synth.photo_background(WIDTH, HEIGHT, seed=i)
        size = int(rng.integers(200, 300))
        center = (int(rng.integers(size, WIDTH - size)), int(rng.integers(size // 2 + 20, HEIGHT - size // 2 - 20)))
        with_code.append(synth.place(scene, code, size=size, center=center,
                                     angle=float(rng.uniform(-15, 15)), blur=0.7, noise=2.0, seed=i))
        empty.append(scene)
    return with_code, empty


def fps(decoder: Decoder, frames: list[np.ndarray]) -> tuple[float, int]:
    """Frames per second over ``frames``, and how many had the bench's code decoded."""
    found = 0
    started = time.perf_counter()
    for frame in frames:
        found += any(c.text == CODE_TEXT for c in decoder.decode(frame))
    return len(frames) / (time.perf_counter() - started), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--frames", type=int, default=12, help="frames of each kind")
    parser.add_argument("--cpu", type=int, help="core to run on (default: the last allowed)")
    args = parser.parse_args()
    cpu = args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    cv2.setNumThreads(1)

    with_code, empty = make_frames(args.frames)
    decoders = {name: make_decoder(name) for name in DECODERS}
    for decoder in decoders.values():  # warm-up: first-call allocations, page faults
        decoder.decode(with_code[0])
    code_fps: dict[str, list[float]] = {name: [] for name in decoders}
    empty_fps: dict[str, list[float]] = {name: [] for name in decoders}
    found: dict[str, int] = {}
    for _ in range(args.rounds):
        # Interleaved: a neighbour's burst of load hits every decoder alike.
        for name, decoder in decoders.items():
            rate, found[name] = fps(decoder, with_code)
            code_fps[name].append(rate)
            empty_fps[name].append(fps(decoder, empty)[0])

    figures = {
        name: {
            "code_fps": round(statistics.median(code_fps[name]), 1),
            "empty_fps": round(statistics.median(empty_fps[name]), 1),
            "code_ms": round(1000 / statistics.median(code_fps[name]), 2),
            "decoded": f"{found[name]}/{len(with_code)}",
        }
        for name in decoders
    }
    print(f"{len(with_code)} frames with a QR code (Chinese text, 200-300 px) and {len(empty)} "
          f"empty, {WIDTH}x{HEIGHT} gray, CPU {cpu}, median of {args.rounds} rounds")
    for name, row in figures.items():
        mark = "*" if name == DEFAULT_DECODER else " "
        print(f"{mark}{name:<9} code in view {row['code_fps']:>7} fps ({row['code_ms']} ms), "
              f"empty {row['empty_fps']:>7} fps, decoded {row['decoded']}")
    value = figures[DEFAULT_DECODER]["code_fps"]
    fastest = max(figures, key=lambda n: figures[n]["code_fps"])  # type: ignore[arg-type, return-value]
    summary = {
        "metric": "qr_decode_fps", "value": value, "unit": "fps", "target": TARGET_FPS,
        "ratio": round(float(value) / TARGET_FPS, 3), "default": DEFAULT_DECODER,
        "fastest": fastest, "cpu": cpu, "decoders": figures,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
