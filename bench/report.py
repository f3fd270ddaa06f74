"""The results table, printed and written into docs/benchmarks.md between this benchmark's
markers (other benchmarks keep their own sections of the file)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import Sample
from bench.paired import Paired

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
DOC_HEADER = """# Benchmarks

Each benchmark is a module of `bench/` that rewrites only its own section below, between
its markers. `make bench` (`python -m bench`) runs the API lists benchmark; the others run as
`python -m bench.<module>`. Figures compare within a section (one machine, one run, one
database), not across sections or machines.
"""

HOW_TO_RUN = """\
- Database: PostgreSQL when `DATABASE_URL` is set (the database is created if missing), else
  a SQLite file per scale under `var/bench/`. It is seeded once (`manage.py seed_demo`'s
  service, `--scale 1` = ~1,000 residences, 175,000 units, 300,000 tenant files; about two
  minutes) and kept: later runs skip the seeding.
- Recorded runs use PostgreSQL:
  `DATABASE_URL=postgres://postgres@127.0.0.1:5432/crous_bench make bench`.
- `python -m bench --help` lists the knobs (requests, concurrency, workers, page size,
  `--explain` for the query plans, `--strict` to fail when a target is missed).
"""

MAX_QUERIES = 6
MIN_RATIO = 0.8


@dataclass
class Row:
    viewer: str
    endpoint: str
    variant: str  # "real" or "baseline"
    sample: Sample
    queries: dict[int, int] = field(default_factory=dict)  # page size → queries per request
    # On the real row: the median of the per-round ratios real req/s ÷ baseline req/s
    # (bench/paired.py), and their range.
    ratio: float | None = None
    ratio_range: tuple[float, float] | None = None

    @property
    def meets_targets(self) -> bool:
        if self.variant != "real":
            return True
        few_queries = all(n <= MAX_QUERIES for n in self.queries.values())
        return few_queries and self.ratio is not None and self.ratio >= MIN_RATIO


def _num(value: float, digits: int = 1) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def table(rows: list[Row]) -> str:
    sizes = sorted({size for row in rows for size in row.queries})
    queries_header = "queries/req (page size " + " / ".join(str(s) for s in sizes) + ")"
    lines = [
        f"| viewer | endpoint | variant | requests | req/s | p50 ms | p99 ms | {queries_header} "
        "| real ÷ baseline (median of rounds; range) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        s = row.sample
        queries = " / ".join(str(row.queries.get(size, "–")) for size in sizes)
        if row.variant == "real" and row.ratio is not None:
            verdict = "✔" if row.meets_targets else "✘"
            ratio = f"{row.ratio:.2f}× {verdict}"
            if row.ratio_range is not None:
                ratio += f" ({row.ratio_range[0]:.2f}–{row.ratio_range[1]:.2f})"
        else:
            ratio = ""
        errors = f" ({s.errors} errors)" if s.errors else ""
        lines.append(
            f"| {row.viewer} | {row.endpoint} | {row.variant} | {s.requests}{errors} "
            f"| {_num(s.requests_per_second)} | {_num(s.percentile(50))} "
            f"| {_num(s.percentile(99))} | {queries} | {ratio} |"
        )
    return "\n".join(lines)


def write_section(*, name: str, body: str, doc: Path = DOC) -> None:
    """Replaces the text between ``<!-- bench:NAME:begin -->`` and its end marker."""
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    section = f"{begin}\n{body.strip()}\n{end}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else DOC_HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


def set_ratio(row: Row, paired: Paired, *, reference: str = "baseline") -> None:
    """Puts on ``row`` its variant's median per-round ratio to ``reference``, and the range."""
    row.ratio = paired.ratio(row.variant, reference)
    row.ratio_range = paired.ratio_range(row.variant, reference)


def load_lines(paired_by_label: dict[str, Paired]) -> list[str]:
    """One line per comparison: the load average (1 min) at the start of each round."""
    return [
        f"- Load average per round, {label}: {paired.describe_load()}"
        for label, paired in paired_by_label.items()
    ]
