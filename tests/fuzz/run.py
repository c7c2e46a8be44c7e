"""The fuzzing runner: ``make fuzz`` (FUZZ_SECONDS per target), the corpus replay and the
short pass ``make test`` runs (tests/fuzz/test_fuzz_corpus.py).

    python -m tests.fuzz.run [TARGET ...] [--seconds 60] [--engine auto|atheris|random]
    python -m tests.fuzz.run --replay [TARGET ...]      every committed input, once
    python -m tests.fuzz.run --write-seeds [TARGET ...] (re)write tests/fuzz/corpus/<target>/

Engines: atheris (coverage-guided libFuzzer, used when it imports) or ``random``, a plain
mutation loop over the corpus (no native dependency). Each target runs in its own process
(``--worker``) under an address-space backstop (FUZZ_AS_MB above the process's size), so a
parser that allocates what a hostile length asks for fails with MemoryError there instead
of taking the machine; the finer bounds are engine.py's (hang per input, tracemalloc peak).

``make fuzz`` keeps its working corpus in var/fuzz/<target>/ (seeded from the committed
corpus, grown by atheris); crashes go to tests/fuzz/crashes/<target>/<sha1 prefix> (not
committed), one file per distinct crash (exception type and innermost frame). Once the bug
is fixed, move the file to tests/fuzz/regressions/<target>/ and commit it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fuzz import engine

ROOT = engine.HERE.parents[1]
WORK = ROOT / "var" / "fuzz"
AS_MB = int(os.environ.get("FUZZ_AS_MB", "2048"))
MAX_LEN = int(os.environ.get("FUZZ_MAX_LEN", "16384"))


def _vm_mb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _address_space_backstop() -> None:
    if AS_MB <= 0:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = (_vm_mb() + AS_MB) * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class Session:
    """One target's run in a worker: counts inputs, saves each distinct crash once."""

    def __init__(self, target: engine.Target, stats: Path | None, keep: Path | None) -> None:
        self.target = target
        self.stats = stats
        self.keep = keep
        self.inputs = 0
        self.crashes: dict[str, dict[str, str]] = {}
        self.known = engine.known_crashes().get(target.name, set())
        self._flushed = 0.0

    def one(self, data: bytes) -> engine.Crash | None:
        crash = engine.check(self.target, data)
        self.inputs += 1
        if crash is not None and crash.signature not in self.crashes:
            path = engine.save(engine.CRASHES / self.target.name, data)
            known = crash.signature in self.known
            self.crashes[crash.signature] = {
                "crash": f"{crash} [{crash.signature}]", "input": str(path.relative_to(ROOT)),
                "known": "yes" if known else "",
            }
            label = "known crash" if known else "CRASH"
            print(f"[{self.target.name}] {label} {crash} -> {path.relative_to(ROOT)}", flush=True)
            self.flush(force=True)
        else:
            self.flush()
        return crash

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.stats is None or (not force and now - self._flushed < 0.25):
            return
        self._flushed = now
        tmp = self.stats.with_suffix(".tmp")
        tmp.write_text(json.dumps({"inputs": self.inputs, "crashes": list(self.crashes.values())}))
        tmp.replace(self.stats)


# -- the random-mutation engine -------------------------------------------------------------

_INTERESTING = [b"\x00", b"\xff", b"\x7f", b"\x80", b"\x81\xff", b"\x82\xff\xff", b"\x83\xff\xff\xff",
                b"\x1b", b"\x1d", b"\x1c", b"[", b"{", b"\"", b"\\", b"\n", b"\xc0", b"\xed\xa0\x80"]


def mutate(data: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        at = rng.randint(0, len(out))
        if op == 0 and out:
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
        elif op == 1 and out:
            out[rng.randrange(len(out))] = rng.randrange(256)
        elif op == 2:
            out[at:at] = rng.randbytes(rng.randint(1, 8))
        elif op == 3 and out:
            end = min(len(out), at + rng.randint(1, 32))
            del out[at:end]
        elif op == 4 and out:
            start = rng.randrange(len(out))
            piece = out[start:start + rng.randint(1, 64)]
            out[at:at] = piece * rng.randint(1, 4)
        elif op == 5:
            out[at:at] = rng.choice(_INTERESTING) * rng.choice((1, 1, 2, 64, 1100))
        elif op == 6 and pool:
            other = rng.choice(pool)
            cut = rng.randint(0, len(other))
            out = out[:at] + bytearray(other[cut:])
        elif op == 7 and len(out) >= 2:
            i = rng.randrange(len(out) - 1)
            out[i:i + 2] = rng.randrange(65536).to_bytes(2, rng.choice(("big", "little")))
    return bytes(out[:MAX_LEN])


def warm_up(target: engine.Target) -> None:
    """Each committed input once, unbounded and unjudged: first calls pay for lazy imports
    and caches (a cold config load took over 2 s under instrumentation on a busy machine),
    which must not read as a hang. The inputs are then fuzzed and judged as usual."""
    for path in list(engine.committed_inputs(target.name))[:32]:
        try:
            target.run(path.read_bytes())
        except Exception:  # noqa: BLE001, S110 - judged later, under the bounds
            pass


def run_random(session: Session, seconds: float, corpus: list[bytes], seed: int) -> None:
    rng = random.Random(seed)
    pool = list(corpus) or [b""]
    for data in corpus:  # every input as it is first, as libFuzzer does
        session.one(data)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = mutate(rng.choice(pool), rng, pool)
        session.one(data)
        if rng.randrange(64) == 0 and len(pool) < 4096:
            pool.append(data)


# -- atheris ------------------------------------------------------------------------------

def run_atheris(name: str, seconds: float, stats: Path | None, keep: Path | None) -> None:
    import atheris  # noqa: PLC0415 - optional

    probe = engine.load(name)  # what to instrument; imports a second time under atheris
    prefixes = list(probe.instrument) or None
    for module in [m for m in sys.modules if prefixes and m.startswith(tuple(prefixes))]:
        del sys.modules[module]
    sys.modules.pop(probe.module.__name__, None)
    with atheris.instrument_imports(include=prefixes):
        target = engine.load(name)
    session = Session(target, stats, keep)
    # libFuzzer writes what it finds into the first directory: never a committed one.
    scratch = keep if keep is not None else Path(tempfile.mkdtemp(prefix=f"tongban-fuzz-{name}-"))
    dirs = [str(d) for d in (scratch, engine.CORPUS / name, engine.REGRESSIONS / name)
            if d.is_dir()]
    args = [sys.argv[0], f"-max_total_time={max(1, round(seconds))}",
            f"-timeout={max(10, round(engine.HANG_SECONDS * 5))}", f"-max_len={MAX_LEN}",
            f"-artifact_prefix={engine.CRASHES / name}/", "-print_final_stats=1",
            "-rss_limit_mb=4096", *dirs]
    (engine.CRASHES / name).mkdir(parents=True, exist_ok=True)

    warm_up(target)

    def test_one_input(data: bytes) -> None:
        session.one(data)

    atheris.Setup(args, test_one_input)
    atheris.Fuzz()


def worker(name: str, seconds: float, engine_name: str, stats: Path | None,
           keep: Path | None, seed: int) -> int:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    _address_space_backstop()
    with engine.memory_tracing():
        if engine_name == "atheris":
            run_atheris(name, seconds, stats, keep)  # exits the process when done
            return 0
        target = engine.load(name)
        session = Session(target, stats, keep)
        warm_up(target)
        files = [*engine.committed_inputs(name), *(engine.input_files(keep) if keep else [])]
        run_random(session, seconds, [p.read_bytes() for p in files], seed)
        session.flush(force=True)
    return 0


def _have_atheris() -> bool:
    try:
        import atheris  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def fuzz(names: list[str], seconds: float, engine_name: str, keep: bool, seed: int) -> int:
    if engine_name == "auto":
        engine_name = "atheris" if _have_atheris() else "random"
    print(f"fuzzing {len(names)} targets, {seconds:g} s each, engine {engine_name}", flush=True)
    rows: list[tuple[str, int, list[dict[str, str]]]] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="tongban-fuzz-") as tmp:
        for name in names:
            stats = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, "-m", "tests.fuzz.run", "--worker", name,
                   "--seconds", str(seconds), "--engine", engine_name, "--stats", str(stats),
                   "--seed", str(seed)]
            cmd += ["--keep", str(WORK / name if keep else Path(tmp) / f"{name}-corpus")]
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                                  timeout=seconds * 3 + 120)
            result: dict[str, Any] = (json.loads(stats.read_text()) if stats.exists()
                                      else {"inputs": 0, "crashes": []})
            done = re.findall(r"Done (\d+) runs", proc.stderr)
            inputs = int(done[-1]) if done else int(result["inputs"])
            crashes: list[dict[str, str]] = list(result["crashes"])
            artifacts = re.findall(r"Test unit written to (\S+)", proc.stderr)
            ok = not crashes and not artifacts and (proc.returncode == 0 or bool(done))
            if not ok and not crashes and not artifacts:
                tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-15:])
                crashes = [{"crash": f"worker exited {proc.returncode}", "input": tail}]
            crashes += [{"crash": "libFuzzer artifact (timeout/oom/signal)", "input": a}
                        for a in artifacts]
            new = [c for c in crashes if not c.get("known")]
            failed |= bool(new)
            rows.append((name, inputs, crashes))
            known = f" (+{len(crashes) - len(new)} known)" if len(crashes) > len(new) else ""
            print(f"{name:20} {inputs:>9} inputs  {len(new)} crash(es){known}", flush=True)
            for crash in crashes:
                tag = "known: " if crash.get("known") else ""
                print(f"    {tag}{crash['crash']}\n      input: {crash['input']}", flush=True)
    total = sum(r[1] for r in rows)
    print(f"total {total} inputs; "
          f"{'CRASHES: see tests/fuzz/crashes/' if failed else 'no new crashes'}")
    return 1 if failed else 0


def replay(names: list[str]) -> int:
    """Every committed corpus and regression input through its target, once."""
    _address_space_backstop()
    bad = 0
    with engine.memory_tracing():
        for name in names:
            target = engine.load(name)
            files = list(engine.committed_inputs(name))
            for path in files:
                crash = engine.check(target, path.read_bytes())
                if crash is not None:
                    bad += 1
                    print(f"{name}: {path.relative_to(ROOT)}: {crash}", flush=True)
            print(f"{name:20} {len(files):>5} inputs replayed", flush=True)
    return 1 if bad else 0


def write_seeds(names: list[str]) -> int:
    for name in names:
        folder = engine.CORPUS / name
        folder.mkdir(parents=True, exist_ok=True)
        count = 0
        for label, data in engine.load(name).seeds():
            (folder / f"seed-{label}").write_bytes(data)
            count += 1
        print(f"{name:20} {count:>3} seeds -> {folder.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", help=f"default: all ({', '.join(engine.TARGETS)})")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", "60")))
    parser.add_argument("--engine", choices=("auto", "atheris", "random"),
                        default=os.environ.get("FUZZ_ENGINE", "auto"))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "0")),
                        help="random engine's seed (atheris picks its own)")
    parser.add_argument("--no-keep", action="store_true", help="do not keep a working corpus")
    parser.add_argument("--replay", action="store_true")
    parser.add_argument("--write-seeds", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--stats", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.seconds, args.engine, args.stats, args.keep, args.seed)
    names = args.targets or list(engine.TARGETS)
    for name in names:
        if name not in engine.TARGETS:
            parser.error(f"unknown target {name!r}")
    if args.write_seeds:
        return write_seeds(names)
    if args.replay:
        return replay(names)
    return fuzz(names, args.seconds, args.engine, not args.no_keep, args.seed)


if __name__ == "__main__":
    sys.exit(main())
