"""Bench: the two pinyin engines (librime, libpinyin) on government-domain words.

For every word of bench/data/ime_words.tsv (the seeded catalogue's domain words, words of
government forms, Shanxi's and 晋城's place names down to 乡镇) the word is typed key by
key, once as full pinyin (jinchengshi) and once as initials (jcs), into a fresh composition;
each keystroke's candidate latency is timed (the call that returns the new Composition).
Accuracy: top-1 (first candidate) and top-5 (on the first page, page size 5) of the final
candidates. Each engine runs with and without the domain dictionary (built from the seeded
catalogue, as the terminal builds it from central's), repeated --runs times; figures are the
medians over runs.

    .venv/bin/python bench/ime.py [--runs 3] [--limit N]

Target: p99 keystroke latency < 30 ms for the engine the terminal uses by default ([input]
engine, rime): the last line printed is one JSON object whose `value` is that engine's p99
(median over runs), every engine's figures as extra keys.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from central.seeding import load_seed  # noqa: E402
from kiosk.central_api.models import Catalogue  # noqa: E402
from kiosk.ime.domain import DomainWord, spell, words_of  # noqa: E402
from kiosk.ime.settings import InputSettings  # noqa: E402

WORDS = Path(__file__).resolve().parent / "data" / "ime_words.tsv"
TARGET_MS = 30.0
PAGE = 5


def seed_catalogue() -> Catalogue:
    seed = load_seed()
    body = {"version": seed.version, "items": [i.model_dump(mode="json") for i in seed.items],
            "regions": [r.model_dump(mode="json") for r in seed.regions]}
    return Catalogue.model_validate_json(json.dumps(body, ensure_ascii=False), strict=True)


def load_words(limit: int | None) -> list[tuple[str, str]]:
    rows = [line.split("\t") for line in WORDS.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    return [(w, src) for w, src in rows][:limit]


def make_engine(kind: str, base: Path, domain: list[DomainWord]):  # type: ignore[no-untyped-def]
    if kind == "rime":
        from kiosk.ime.rime import RimeEngine
        return RimeEngine(base, domain, (), PAGE)
    from kiosk.ime.libpinyin import LibpinyinEngine
    return LibpinyinEngine(base, domain, (), PAGE)


def run_once(kind: str, base: Path, domain: list[DomainWord], words: list[tuple[str, str]]) -> dict:
    engine = make_engine(kind, base, domain)
    field = engine.session()
    latencies: list[float] = []
    hits = {form: {"top1": 0, "top5": 0} for form in ("full", "abbrev")}
    by_source: dict[str, list[tuple[int, int]]] = {}
    try:
        for word, source in words:
            syllables = spell(word)
            forms = {"full": "".join(syllables), "abbrev": "".join(s[0] for s in syllables)}
            for form, letters in forms.items():
                state = None
                for letter in letters:
                    t0 = time.perf_counter()
                    state = field.key(letter)
                    latencies.append((time.perf_counter() - t0) * 1000)
                field.reset()
                cands = state.candidates if state else ()
                top1, top5 = cands[:1] == (word,), word in cands[:PAGE]
                hits[form]["top1"] += top1
                hits[form]["top5"] += top5
                if form == "full":
                    by_source.setdefault(source, []).append((int(top1), int(top5)))
    finally:
        field.close()
        engine.close()
    n = len(words)
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "keys": len(latencies),
        **{f"{form}_{k}": round(v / n, 3) for form, h in hits.items() for k, v in h.items()},
        **{f"full_top{k}_{src}": round(sum(h[i] for h in v) / len(v), 3)
           for src, v in by_source.items() for i, k in enumerate((1, 5))},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="only the first N words")
    args = parser.parse_args()
    words = load_words(args.limit)
    domain = words_of(seed_catalogue())
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="ime-bench-") as tmp:
        for kind in ("rime", "libpinyin"):
            for with_domain in (True, False):
                name = f"{kind}{'' if with_domain else ' (no domain)'}"
                runs = [run_once(kind, Path(tmp), domain if with_domain else [], words)
                        for _ in range(args.runs)]
                results[name] = {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}
    print(f"{len(words)} words ({sum(1 for _, s in words if s == 'catalogue')} from the catalogue), "
          f"{args.runs} runs, medians; domain dictionary: {len(domain)} words")
    head = (f"{'engine':<24}{'p50 ms':>8}{'p99 ms':>8}{'full@1':>8}{'full@5':>8}{'abbr@1':>8}"
            f"{'abbr@5':>8}  full@1 catalogue/common/place  place@5")
    print(head)
    for name, r in results.items():
        print(f"{name:<24}{r['p50_ms']:>8.2f}{r['p99_ms']:>8.2f}{r['full_top1']:>8.3f}{r['full_top5']:>8.3f}"
              f"{r['abbrev_top1']:>8.3f}{r['abbrev_top5']:>8.3f}  "
              + "/".join(f"{r.get(f'full_top1_{s}', 0):.3f}" for s in ("catalogue", "common", "place"))
              + f"  {r.get('full_top5_place', 0):.3f}")
    # The target applies to the engine the terminal uses ([input] engine's default), with the
    # domain dictionary it always has; every engine's figures stay in the line.
    default = InputSettings().engine
    p99 = results[default]["p99_ms"]
    summary = {
        "metric": "ime_keystroke_latency_p99", "engine": default, "value": p99, "unit": "ms",
        "target": TARGET_MS, "ratio": round(p99 / TARGET_MS, 3), "words": len(words),
        "runs": args.runs, "statistic": "median over runs",
        **{f"p99_ms_{name}": r["p99_ms"] for name, r in results.items()},
        **{f"place_{k}_{name}": r.get(f"full_{k}_place", 0)
           for name, r in results.items() for k in ("top1", "top5")},
        "engines": results,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
