"""The fuzz targets in ``make test``: every committed corpus and regression input replayed
through its target, then a short fuzzing pass (FUZZ_CI_SECONDS per target, default 2) from
that corpus, with a fixed seed. Both run in child processes (tests/fuzz/run.py) under the address-space
backstop, so a regression that allocates what a hostile length asks for cannot take the
test machine with it. A crash names its input, saved under tests/fuzz/crashes/<target>/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz import engine

ROOT = Path(__file__).resolve().parents[2]
CI_SECONDS = os.environ.get("FUZZ_CI_SECONDS", "2")


# In the suite a crash must be a property of the code, not of the machine's speed or luck:
# the short pass uses the random engine with a fixed seed (the same input sequence on every
# run; a slower machine tries a prefix of it), and an input counts as a hang only past 10 s
# (a loaded CI machine; `make fuzz` keeps the tight 2 s bound).
CI_ENGINE = os.environ.get("FUZZ_CI_ENGINE", "random")
CI_SEED = os.environ.get("FUZZ_CI_SEED", "20261206")


def _run(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FUZZ_HANG_SECONDS": os.environ.get("FUZZ_CI_HANG_SECONDS", "10")}
    return subprocess.run([sys.executable, "-m", "tests.fuzz.run", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_every_target_has_a_corpus() -> None:
    for name in engine.TARGETS:
        target = engine.load(name)
        assert target.allowed is not None
        assert list(engine.input_files(engine.CORPUS / name)), f"{name}: no committed corpus"


def test_committed_inputs_replay_clean() -> None:
    proc = _run("--replay", timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_short_fuzzing_pass_finds_no_crash() -> None:
    proc = _run("--seconds", CI_SECONDS, "--no-keep", "--engine", CI_ENGINE, "--seed", CI_SEED,
                timeout=60 * len(engine.TARGETS))
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
