"""``python -m bench.import_assignments``: bulk import of an allocation result vs a raw insert.

1. Database: ``DATABASE_URL`` (PostgreSQL; only this benchmark's own Crous are touched), else
   a throw-away SQLite file under var/bench/import/. Two temporary Crous are created,
   ``bench-import`` and ``bench-import-raw``, each with ``--rows`` free units in residences
   of 1,000 units (bulk inserts), and removed at the end.
2. A CSV of ``--rows`` lines is generated (French Excel style: ``;``, a mix of ISO and
   DD/MM/YYYY dates, French mobile numbers, some Campus France students).
3. Measures, in the same run, in ``--rounds`` paired rounds in ABBA order (bench/paired.py;
   the rows are removed and the units freed after each measure). The ratio is the median of
   the per-round ratios import ÷ raw, each round's import against the same round's raw
   insert; the seconds shown are the medians over the rounds:

   * *validate*: ``assignments_import(dry_run=True)``: parsing and every check;
   * *import*: ``assignments_import()``: checks, then students, tenant files with codes,
     units occupied, history rows, outbox messages, in one committed transaction;
   * *raw*: ``bulk_create`` of the same Student and TenantFile rows with every value
     precomputed (codes and their HMAC included), no checks, no history, no outbox, in one
     committed transaction, on the second Crous.

   The delivery tasks that the outbox enqueues after the commit (one per email) go to an
   in-memory broker and are timed on their own line.
4. Targets: the import of 50,000 lines in at most 60 s (doorbells included), and at least
   0.3× the raw insert's lines per second. The table is printed and written into
   docs/benchmarks.md between this benchmark's markers.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.paired import Paired

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / "var" / "bench" / "import"
SECTION = "import"
MAX_SECONDS = 60.0
MIN_RATIO = 0.3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.import_assignments", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rows", type=int, default=50_000, help="lines of the CSV")
    parser.add_argument("--rounds", type=int, default=4, help="paired raw/import rounds")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true", help="cProfile the last import")
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


def configure_environment() -> str:
    """Production-like settings for this process; returns the database URL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        WORKDIR.mkdir(parents=True, exist_ok=True)
        sqlite = WORKDIR / "import.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{sqlite}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "crous_admin.settings",
            "DATABASE_URL": url,
            "DEBUG": "false",  # no query log: as in production
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "VAR_DIR": str(WORKDIR / "var"),
            "LOG_LEVEL": "WARNING",
            "CELERY_TASK_ALWAYS_EAGER": "false",
        }
    )
    return url


@dataclass
class Measure:
    label: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else float("nan")


@contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    started = time.perf_counter()
    yield box
    box.append(time.perf_counter() - started)


# --- Measures ------------------------------------------------------------------------------


def measure_raw(crous: Any, data: bytes) -> Measure:
    from django.db import transaction

    from bench.import_data import raw_rows
    from tenants.models import Student, TenantFile

    students, files = raw_rows(crous, data)
    with timed() as elapsed, transaction.atomic():
        Student.objects.bulk_create(students, batch_size=2000)
        for tenant_file, student in zip(files, students, strict=True):
            tenant_file.student = student
        TenantFile.objects.bulk_create(files, batch_size=2000)
    return Measure("raw bulk insert: students + tenant files", len(files), elapsed[0])


class Stopwatch:
    """Times every call of ``module.name`` while active; ``count`` tells how many items a
    call handled (from its arguments)."""

    def __init__(self, module: Any, name: str, count: Callable[..., int]) -> None:
        self.module, self.name, self.count = module, name, count
        self.original: Callable[..., Any] = getattr(module, name)
        self.seconds = 0.0
        self.items = 0

    def __enter__(self) -> Stopwatch:
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.items += self.count(*args, **kwargs)

        setattr(self.module, self.name, timed_call)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self.module, self.name, self.original)


@dataclass
class ImportMeasures:
    writes: Measure
    outbox: Measure
    doorbells: Measure


def measure_validate(crous: Any, by: Any, data: bytes) -> Measure:
    from tenants.imports.assignments import assignments_import

    with timed() as elapsed:
        report = assignments_import(crous=crous, by=by, data=data, dry_run=True)
    if not report.ok:
        raise RuntimeError(f"The generated file has bad lines: {report.errors[:5]}")
    return Measure("validate (dry run): parse + every check", report.rows, elapsed[0])


def measure_import(crous: Any, by: Any, data: bytes, *, profile: bool = False) -> ImportMeasures:
    from notifications.services import dispatch
    from tenants.imports import assignments, writing

    profiler = cProfile.Profile() if profile else None
    with (
        # The outbox's part of the import: building and inserting the code emails.
        Stopwatch(writing, "tenant_codes_queue_emails", lambda *, issued: len(issued)) as outbox,
        # After the commit: one delivery task per message (the outbox's doorbells).
        Stopwatch(dispatch, "enqueue", lambda ids, **_kw: len(ids)) as doorbells,
        timed() as elapsed,
    ):
        if profiler:
            profiler.enable()
        report = assignments.assignments_import(
            crous=crous, by=by, data=data, source_name="bench.csv"
        )
        if profiler:
            profiler.disable()
    if not report.imported:
        raise RuntimeError(f"The generated file was not imported: {report.errors[:5]}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return ImportMeasures(
        writes=Measure(
            "import: checks, then students, files with codes, units, history rows, outbox "
            "messages; committed",
            report.rows,
            elapsed[0] - doorbells.seconds,
        ),
        outbox=Measure(
            "… of which queueing the code emails in the outbox "
            "(`tenant_codes_queue_emails` → `message_queue_bulk`)",
            outbox.items,
            outbox.seconds,
        ),
        doorbells=Measure(
            "after the commit: one delivery task per email enqueued (in-memory broker)",
            doorbells.items,
            doorbells.seconds,
        ),
    )


# --- Report --------------------------------------------------------------------------------


def _median(measures: list[Measure], label: str | None = None) -> Measure:
    seconds = statistics.median(m.seconds for m in measures)
    return Measure(label or measures[0].label, measures[0].rows, seconds)


@dataclass
class Results:
    """Every round's measures and the paired ratios (bench/paired.py)."""

    paired: Paired

    def raws(self) -> list[Measure]:
        return [r.results["raw"] for r in self.paired.rounds]

    def imports(self) -> list[tuple[Measure, ImportMeasures]]:
        return [r.results["import"] for r in self.paired.rounds]

    def ratio_without_outbox(self) -> float:
        """Median per round of (import minus its outbox share) ÷ that round's raw insert."""
        ratios = []
        for each in self.paired.rounds:
            raw, (_validate, imported) = each.results["raw"], each.results["import"]
            writes, outbox = imported.writes, imported.outbox
            ratios.append((writes.rows / (writes.seconds - outbox.seconds)) / raw.rate)
        return statistics.median(ratios)

    def totals(self) -> list[float]:
        return [i.writes.seconds + i.doorbells.seconds for _v, i in self.imports()]


def table(results: Results) -> str:
    raw = _median(results.raws())
    validate = _median([v for v, _i in results.imports()])
    writes = _median([i.writes for _v, i in results.imports()])
    outbox = _median([i.outbox for _v, i in results.imports()])
    bells = _median([i.doorbells for _v, i in results.imports()])
    total = statistics.median(results.totals())
    ratio = results.paired.ratio("import", "raw") or float("nan")
    spread = results.paired.ratio_range("import", "raw") or (ratio, ratio)
    goal = MAX_SECONDS * writes.rows / 50_000

    def row(m: Measure, shown: str = "") -> str:
        return f"| {m.label} | {m.rows:,} | {m.seconds:.2f} | {m.rate:,.0f} | {shown} |"

    return "\n".join(
        [
            "| measure (median of the rounds) | rows | seconds | rows/s "
            "| ÷ raw insert (median of per-round ratios; range) |",
            "|---|---:|---:|---:|---:|",
            row(raw, "1.00×"),
            row(validate),
            row(
                writes,
                f"{ratio:.2f}× {'✔' if ratio >= MIN_RATIO else '✘'} "
                f"({spread[0]:.2f}–{spread[1]:.2f})",
            ),
            row(outbox, f"(without it: {results.ratio_without_outbox():.2f}×)"),
            row(bells),
            row(
                Measure(
                    f"import + after-commit enqueueing (target ≤ {goal:.0f} s)",
                    writes.rows,
                    total,
                ),
                "✔" if total <= goal else "✘",
            ),
        ]
    )


def section(body: str, facts: list[str]) -> str:
    return "\n".join(
        [
            "## Bulk import of an allocation result",
            "",
            "`python -m bench.import_assignments` (`--help` for the knobs): "
            "`tenants.imports.assignments.assignments_import` (the service behind `manage.py "
            "import_assignments` and the back-office upload) against a raw `bulk_create` of "
            "the same Student and TenantFile rows with every value precomputed (no checks, "
            "no history, no outbox), in the same run, on two temporary Crous of the same "
            "database, in paired rounds (ABBA order): each round's import is divided by the "
            "same round's raw insert, and the ratio shown is the median of those per-round "
            "ratios. Targets: 50,000 lines imported in at most 60 s, and at least "
            f"{MIN_RATIO}× the raw insert's rows per second (✔/✘).",
            "",
            *facts,
            "",
            body,
            "",
            "Reading the figures: per line the import writes six rows where the raw insert "
            "writes two (the student, the file, their history rows, the unit's history row, "
            "the outbox message) and updates the unit, and it reads what the checks need (a "
            "few queries per 1,000 lines, none per line). The history rows are copied by the "
            "database (`INSERT … SELECT`, tenants/imports/writing.py). The outbox's share "
            "(its own row says how much) is "
            "`message_queue_bulk`: the messages' INSERT, and its check and re-read of every "
            "idempotency key. After the commit the outbox enqueues one delivery task per "
            "email (notifications/services/dispatch.py); that line is timed against an in-memory "
            "broker, so a real broker's round trips come on top.",
        ]
    )


def _rate(result: Measure | tuple[Measure, ImportMeasures]) -> float:
    """A round's rate: the raw insert's, or the import's writes (not the dry run's)."""
    return result.rate if isinstance(result, Measure) else result[1].writes.rate


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = configure_environment()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scopes_disabled

    from bench import report
    from bench.database import create_postgresql_database_if_missing, describe
    from bench.import_data import (
        CROUS_CODE,
        RAW_CROUS_CODE,
        create_crous,
        create_staff,
        generate_csv,
        remove_everything,
        reset,
    )
    from bench.paired import run_paired
    from crous_admin import celery_app
    from notifications.models import Message
    from tenants.models import Student, TenantFile

    # The delivery tasks go nowhere: the messages are removed at the end of the run.
    celery_app.conf.broker_url = "memory://"
    celery_app.conf.task_always_eager = False
    create_postgresql_database_if_missing(url)
    call_command("migrate", verbosity=0, interactive=False)

    with scopes_disabled():
        remove_everything()
        existing = {
            "tenant files": TenantFile.objects.count(),
            "students": Student.objects.count(),
            "outbox messages": Message.objects.count(),
        }
        try:
            crous = create_crous(CROUS_CODE, args.rows)
            raw_crous = create_crous(RAW_CROUS_CODE, args.rows)
            staff = create_staff(crous)
            data = generate_csv(args.rows, seed=args.seed)
            print(f"{args.rows:,} lines ({len(data) / 1e6:.1f} MB), {describe(url)}")
            imports_done = 0

            def one_import() -> tuple[Measure, ImportMeasures]:
                nonlocal imports_done
                imports_done += 1
                validate = measure_validate(crous, staff, data)
                profile = args.profile and imports_done == args.rounds
                return validate, measure_import(crous, staff, data, profile=profile)

            paired = run_paired(
                variants={"raw": lambda: measure_raw(raw_crous, data), "import": one_import},
                rate=lambda result: (
                    result.rate if isinstance(result, Measure) else result[1].writes.rate
                ),
                rounds=args.rounds,
                reference="raw",
                between=lambda: reset([crous.pk, raw_crous.pk]),
            )
        finally:
            remove_everything()

    results = Results(paired)
    body = table(results)
    version = (
        connection.cursor().connection.info.server_version
        if connection.vendor == "postgresql"
        else None
    )
    database = (
        f"PostgreSQL {version // 10000}.{version % 10000}"
        if version
        else f"SQLite {connection.Database.sqlite_version}"
    )
    facts = [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} cores, "
        f"{platform.system()}; Python {platform.python_version()}, Django {django.__version__}",
        f"- Database: {database} ({describe(url)}), already holding "
        + ", ".join(f"{count:,} {name}" for name, count in existing.items())
        + " (the tables and indexes the import writes into); DEBUG off",
        f"- File: {args.rows:,} lines, `;`, UTF-8, half the dates DD/MM/YYYY; every line "
        f"emailed (no hand-over); {args.rounds} paired rounds, raw and import in ABBA order; "
        "write batches of 2,000 lines",
        f"- Load average (1 min) at each round: {paired.describe_load()}",
    ]
    text = section(body, facts)
    print()
    print(body)
    if not args.no_write:
        report.write_section(name=SECTION, body=text)
        print("\nWritten to docs/benchmarks.md.")
    ratio = paired.ratio("import", "raw") or 0.0
    rows = results.imports()[0][1].writes.rows
    ok = ratio >= MIN_RATIO and statistics.median(results.totals()) <= MAX_SECONDS * rows / 50_000
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
