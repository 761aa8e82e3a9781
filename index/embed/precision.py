"""Which precision is fastest here, measured rather than guessed from CPU flags.

CPUs differ more than their flags say: on one AVX512-BF16 EPYC, PyTorch bf16 ingested
slower than ONNX int8; on an AMX Xeon it encodes passages 1.5x faster than int8 but
still loses on a single question (13 ms against 3 ms) and takes ~8 s to import. So the
first time a model is used on a machine with ``precision=auto``, a child process
(``python -m index.embed.precision MODEL``) times each precision: start-up (imports
and loading, in a fresh process), one short question, and passages per second over
32 passage-length texts. The figures are cached per machine and model under the cache
folder (``$QA_CACHE_DIR``, default ``~/.cache/article-qa``) and shown by ``qa doctor``.

:func:`choose` then picks, per kind of work:

* ``query`` (asking, serving, small additions): the least ``startup + 50 questions``;
* ``bulk`` (a large ingest): the most passages per second. An ingest starts on the
  query choice and switches when the work left is large enough that the faster
  engine repays its start-up (:class:`index.embed.auto.AutoEmbedder`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = 1
CANDIDATES = ("int8", "fp32", "bf16")
QUERY_SESSION = 50  # questions a query-side process is costed for: start-up plus this many
MEASURE_TIMEOUT = 600.0  # seconds for the whole measurement (an int8 export included)
PASSAGES = 32
PASSAGE_SECONDS = 5.0  # stop timing passages after this long (an emulated bf16 is slow)

_SAMPLE = (
    "The council voted on Tuesday to extend the ferry timetable through the winter months. "
    "Residents of the island had asked for an earlier morning crossing for years. "
    "The operator said the new hybrid vessel uses a third less fuel than the boat it replaces. "
    "A return ticket will cost the same as last year, while children under twelve travel free. "
    "Critics warned that the harbour car park is already full on most weekday mornings. "
    "The mayor promised a review of parking before the spring, and a bus link to the station. "
    "Ridership rose by almost a fifth in the first month after the service began. "
    "Engineers will inspect the landing ramps every quarter instead of once a year."
).split(". ")


@dataclass(frozen=True)
class Measured:
    """One precision's figures on this machine (None where it could not run: ``error``)."""

    precision: str
    startup_s: float | None = None
    query_ms: float | None = None
    passages_per_s: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class Choice:
    precision: str
    reason: str


@dataclass(frozen=True)
class Profile:
    """Every precision's figures for one model on one machine."""

    machine: str
    model: str
    measured: tuple[Measured, ...]
    measured_at: str = ""

    def figures(self, precision: str) -> Measured | None:
        return next((m for m in self.measured if m.precision == precision and m.error is None), None)

    def choose(self, workload: str) -> Choice:
        return choose(self.measured, workload)

    def to_dict(self) -> dict[str, object]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Profile:
        measured = data.get("measured")
        if data.get("format") != FORMAT or not isinstance(measured, list):
            raise ValueError("not a precision profile of this format")
        return cls(
            str(data["machine"]),
            str(data["model"]),
            tuple(Measured(**m) for m in measured),
            str(data.get("measured_at", "")),
        )


def _query_cost(m: Measured) -> float:
    return (m.startup_s or 0.0) + QUERY_SESSION * (m.query_ms or 0.0) / 1000


def choose(measured: Sequence[Measured], workload: str) -> Choice:
    """The precision for ``workload`` (``query`` or ``bulk``) from measured figures."""
    ok = [m for m in measured if m.error is None and m.passages_per_s and m.query_ms is not None]
    if not ok:
        return Choice("fp32", "no precision could be measured; PyTorch fp32 runs everywhere")
    if workload == "bulk":
        best = max(ok, key=lambda m: m.passages_per_s or 0.0)
        others = ", ".join(f"{m.precision} {m.passages_per_s:.0f}" for m in ok if m is not best)
        return Choice(
            best.precision,
            f"fastest at encoding passages here: {best.passages_per_s:.0f}/s"
            + (f" (against {others})" if others else ""),
        )
    best = min(ok, key=_query_cost)
    others = ", ".join(f"{m.precision} {_query_cost(m):.1f} s" for m in ok if m is not best)
    return Choice(
        best.precision,
        f"quickest to start and answer: {best.startup_s:.1f} s start-up, {best.query_ms:.1f} ms a "
        f"question; {QUERY_SESSION} questions {_query_cost(best):.1f} s"
        + (f" (against {others})" if others else ""),
    )


# -- the cache -----------------------------------------------------------------
def machine_key() -> str:
    """What makes timings differ between machines: CPU model and count, OS, the runtimes."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for dist in ("onnxruntime", "torch"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} -")
    return (
        f"{cpu or 'unknown CPU'} x{os.cpu_count()}, {platform.system()} {platform.machine()}, "
        + ", ".join(versions)
    )


def model_key(path: str | Path) -> str:
    """The model folder and its files (a changed model is measured again)."""
    folder = Path(path).resolve()
    h = hashlib.sha256(str(folder).encode())
    for name in sorted(os.listdir(folder)):
        f = folder / name
        if f.is_file():
            st = f.stat()
            h.update(f"|{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return f"{folder.name}-{h.hexdigest()[:16]}"


def profile_file(path: str | Path, cache: Path) -> Path:
    machine = hashlib.sha256(machine_key().encode()).hexdigest()[:12]
    return cache / "precision" / f"{model_key(path)}-{machine}.json"


def cached(path: str | Path, cache: Path) -> Profile | None:
    """The saved profile for this model on this machine, if any."""
    try:
        return Profile.from_dict(json.loads(profile_file(path, cache).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


_MEASURED: dict[Path, Profile] = {}  # this process's own, when the cache cannot be written


def profile(
    path: str | Path,
    cache: Path,
    *,
    remeasure: bool = False,
    measure: Callable[[str], Sequence[Measured]] | None = None,
) -> Profile:
    """The cached profile, or one measured now (and saved when the cache is writable)."""
    target = profile_file(path, cache)  # names the machine and the model's files
    if not remeasure:
        found = cached(path, cache) or _MEASURED.get(target)
        if found is not None:
            return found
    log.warning(
        "measuring how fast each precision runs this model on this CPU (once, about half a minute; "
        "kept in %s)",
        cache / "precision",
    )
    started = time.monotonic()
    measured = tuple(measure(str(path)) if measure else measure_in_child(str(path), cache))
    made = Profile(machine_key(), model_key(path), measured, time.strftime("%Y-%m-%dT%H:%M:%S"))
    _MEASURED[target] = made
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(made.to_dict(), indent=1), encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        log.warning("could not save the precision figures in %s (%s); they are measured again next time",
                    target.parent, exc)  # fmt: skip
    log.info("measured in %.1f s: %s", time.monotonic() - started, measured)
    return made


def measure_in_child(path: str, cache: Path | None = None) -> list[Measured]:
    """:func:`measure` in a fresh Python process, so start-up times are real and this
    process imports nothing it will not use."""
    where = ["--cache", str(cache)] if cache else []
    try:
        done = subprocess.run(
            [sys.executable, "-m", "index.embed.precision", path, *where],
            capture_output=True,
            text=True,
            timeout=MEASURE_TIMEOUT,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        rows = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as exc:
        return [Measured(p, error=f"the measurement did not finish ({exc})") for p in CANDIDATES]
    if not isinstance(rows, list):
        tail = " ".join((done.stderr or "").strip().splitlines()[-1:]) or f"exit code {done.returncode}"
        return [Measured(p, error=f"the measurement failed: {tail}") for p in CANDIDATES]
    return [Measured(**r) for r in rows]


# -- the measurement (run in the child) -------------------------------------------
def sample_passages(n: int = PASSAGES, words: int = 150) -> list[str]:
    """``n`` passage-length texts of plain news prose (about ``words`` words each)."""
    out = []
    for i in range(n):
        parts: list[str] = []
        j = i
        while sum(len(p.split()) for p in parts) < words:
            parts.append(_SAMPLE[j % len(_SAMPLE)].rstrip(".") + ".")
            j += 3
        out.append(" ".join(parts))
    return out


def measure(
    path: str, precisions: Sequence[str] = CANDIDATES, cache: Path | None = None
) -> list[Measured]:
    """Time each precision in this process (the first PyTorch one pays torch's import)."""
    from index.embed import load_precision, model_name_for

    name = model_name_for(path)
    passages = sample_passages()
    imports = 0.0
    out = []
    for precision in precisions:
        try:
            if precision == "int8":
                from index.embed.onnxint8 import exported, supports

                why = supports(path)
                if why:
                    out.append(Measured(precision, error=why))
                    continue
                exported(path, cache)  # the one-time export is not start-up
            started = time.perf_counter()
            imported_before = imports
            if precision != "int8" and not imports:
                import sentence_transformers  # noqa: F401 - timed: the first PyTorch precision imports it

                imports = time.perf_counter() - started
            engine = load_precision(path, name, precision, cache)
            # a later PyTorch precision found torch imported already: charge it the import too
            startup = time.perf_counter() - started + (imported_before if precision != "int8" else 0.0)
            engine.encode(passages[:4])  # warm-up
            done, began = 0, time.perf_counter()
            while done < len(passages) and time.perf_counter() - began < PASSAGE_SECONDS:
                engine.encode(passages[done : done + 8])
                done += 8
            rate = done / (time.perf_counter() - began)
            times = []
            for _ in range(7):
                t0 = time.perf_counter()
                engine.encode(["What did the council decide about the winter ferry timetable?"])
                times.append(time.perf_counter() - t0)
            query = sorted(times)[len(times) // 2] * 1000
            out.append(Measured(precision, round(startup, 3), round(query, 2), round(rate, 1)))
        except Exception as exc:  # a precision that cannot run here is reported, not fatal
            out.append(Measured(precision, error=" ".join(str(exc).split())[:300] or type(exc).__name__))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m index.embed.precision",
        description="Time each precision of a model on this machine; print the figures as one JSON line.",
    )
    p.add_argument("model", help="a sentence-transformers model folder")
    p.add_argument("--precisions", default=",".join(CANDIDATES), help="comma-separated (default: all)")
    p.add_argument("--cache", type=Path, default=None, help="where the int8 export is kept")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    rows = measure(args.model, [x.strip() for x in args.precisions.split(",") if x.strip()], args.cache)
    print(json.dumps([asdict(r) for r in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
