"""``python -m bench`` (``make bench``): the API list endpoints against a bare DRF baseline.

1. Database: PostgreSQL when ``DATABASE_URL`` is set (created if missing), else a SQLite file
   per scale under var/bench/. Seeded once at ``--scale`` (1 = 175,000 units, 300,000 tenant
   files) and kept: the next run skips seeding.
2. Queries per request, in-process (test client + ``CaptureQueriesContext``), at two page
   sizes: the target is at most 6 whatever the page size.
3. Throughput and latency over HTTP: gunicorn (sync workers) on 127.0.0.1, a bounded client
   loop (N requests, C threads, a time limit), real and baseline (the same rows: same scope,
   page, page size) in paired ABBA rounds. Target: the median of the per-round ratios is at
   least 0.8× the baseline's requests per second.
4. The table is printed and written into docs/benchmarks.md (this benchmark's section only).

Run ``python -m bench --help`` for the knobs.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SECTION = "api-lists"


@dataclass(frozen=True)
class Endpoint:
    name: str
    real: str
    baseline: str


ENDPOINTS = (
    Endpoint("housing-units", "/api/v1/housing-units/", "/bench/baseline/housing-units/"),
    Endpoint("tenant-files", "/api/v1/tenant-files/", "/bench/baseline/tenant-files/"),
)
# (label, email): the national administrator sees every row, the officer Bordeaux's only.
VIEWERS = (
    ("national admin", "national@crous-demo.example"),
    ("Bordeaux officer", "officer.bordeaux@crous-demo.example"),
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="data volume (1 = national)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=320, help="per endpoint, variant, viewer")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=8, help="real/baseline alternations")
    parser.add_argument("--time-limit", type=float, default=90.0, help="seconds per cell at most")
    parser.add_argument("--page-size", type=int, default=50, help="page size under load")
    parser.add_argument(
        "--query-page-sizes", default="1,50,200", help="page sizes whose queries are counted"
    )
    parser.add_argument(
        "--settings",
        default="bench.settings",
        help="settings module of both processes: one importing bench.settings can try a "
        "change without editing the project (implies --no-write)",
    )
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    parser.add_argument(
        "--explain", action="store_true", help="print the query plans of every list query"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target is missed"
    )
    return parser.parse_args(argv)


def configure_environment(*, scale: float, settings_module: str = "bench.settings") -> str:
    """Sets what both this process and gunicorn read at start; returns the database URL."""
    from bench.database import choose_database_url

    url = choose_database_url(scale=scale)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": url,
            # Production mode, as served for real; the key is this run's only.
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
        }
    )
    return url


def tokens() -> dict[str, str]:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    keys = {}
    for label, email in VIEWERS:
        user = get_user_model().objects.get(email=email)
        keys[label] = Token.objects.get_or_create(user=user)[0].key
    return keys


def headers_for(key: str) -> dict[str, str]:
    return {"Authorization": f"Token {key}", "Accept": "application/json"}


def count_queries(
    path: str, *, key: str, page_sizes: list[int], explain: bool
) -> tuple[int, dict[int, int], list[str]]:
    """(status, queries per page size, first keys of a result) — through the test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT="application/json")
    client.get(path, {"page_size": page_sizes[0]})  # warm: first-request imports and caches
    queries: dict[int, int] = {}
    status, fields = 0, []
    for size in page_sizes:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, {"page_size": size})
        status = response.status_code
        if status != 200:
            return status, {}, []
        queries[size] = len(captured.captured_queries)
        results = response.json().get("results") or [{}]
        fields = list(results[0])
        if explain and size == page_sizes[-1]:
            _explain(path, captured.captured_queries)
    return status, queries, fields


def _explain(path: str, captured: list[dict[str, Any]]) -> None:
    from django.db import connection

    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    )
    print(f"\n--- {path}: {len(captured)} queries")
    for query in captured:
        sql = query["sql"]
        print(f"\n{sql}")
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"{prefix} {sql}")
            for line in cursor.fetchall():
                print("   ", " ".join(str(part) for part in line))


def machine_facts(*, database: str, counts: dict[str, int], args: argparse.Namespace) -> list[str]:
    import django
    from django.db import connection

    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    if connection.vendor == "postgresql":
        version = connection.pg_version
        engine = f"PostgreSQL {version // 10000}.{version % 10000}"
    else:
        import sqlite3

        engine = f"SQLite {sqlite3.sqlite_version}"
    return [
        f"- Date: {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} cores{f' ({cpu})' if cpu else ''}, {platform.system()}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, "
        f"database {engine} ({database})",
        f"- Data: scale {args.scale:g}: {counts['residences']:,} residences, "
        f"{counts['units']:,} units, {counts['tenant_files']:,} tenant files",
        f"- Load: gunicorn {args.workers} sync workers on 127.0.0.1, {args.concurrency} client "
        f"threads, {args.requests} requests per row in {args.rounds} alternating rounds "
        f"(after a warm-up), page size {args.page_size}",
    ]


def measure(
    *, port: int, keys: dict[str, str], args: argparse.Namespace, available: dict[str, bool]
) -> tuple[dict[tuple[str, str, str], Any], dict[tuple[str, str], Any]]:
    from bench import load

    samples: dict[tuple[str, str, str], load.Sample] = {}
    rounds: dict[tuple[str, str], Any] = {}
    for viewer, key in keys.items():
        for endpoint in ENDPOINTS:
            variants = {"real": endpoint.real, "baseline": endpoint.baseline}
            if not available[endpoint.name]:
                variants.pop("real")
            measured, paired = load.alternate(
                port=port,
                variants={v: f"{path}?page_size={args.page_size}" for v, path in variants.items()},
                headers=headers_for(key),
                requests=args.requests,
                rounds=args.rounds,
                concurrency=args.concurrency,
                time_limit_s=args.time_limit,
                reference="baseline",
                label=f"{viewer:<17} {endpoint.name:<14} ",
            )
            rounds[(viewer, endpoint.name)] = paired
            for variant, sample in measured.items():
                samples[(viewer, endpoint.name, variant)] = sample
    return samples, rounds


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    page_sizes = [int(size) for size in args.query_page_sizes.split(",")]
    url = configure_environment(scale=args.scale, settings_module=args.settings)
    if args.settings != "bench.settings":
        args.no_write = True

    from bench import database

    database.create_postgresql_database_if_missing(url)
    import django

    django.setup()
    from bench import report, server

    print(f"Benchmark database: {database.describe(url)}")
    counts = database.prepare(scale=args.scale, seed=args.seed)
    keys = tokens()

    print("\nQueries per request (in-process):")
    queries: dict[tuple[str, str, str], dict[int, int]] = {}
    available: dict[str, bool] = {}
    for viewer, key in keys.items():
        for endpoint in ENDPOINTS:
            status, real_queries, real_fields = count_queries(
                endpoint.real, key=key, page_sizes=page_sizes, explain=args.explain
            )
            available[endpoint.name] = status == 200
            if status != 200:
                print(f"  {endpoint.real} answers {status}: measuring the baseline only.")
            _, base_queries, base_fields = count_queries(
                endpoint.baseline, key=key, page_sizes=page_sizes, explain=args.explain
            )
            queries[(viewer, endpoint.name, "real")] = real_queries
            queries[(viewer, endpoint.name, "baseline")] = base_queries
            print(f"  {viewer:<17} {endpoint.name:<14} real {real_queries}  base {base_queries}")
            missing = set(base_fields) - set(real_fields)
            if real_fields and missing:
                print(f"  note: the baseline has fields the real list lacks: {sorted(missing)}")

    print(f"\nLoad over HTTP ({args.requests} requests per row):")
    with server.gunicorn(workers=args.workers, env={}) as port:
        samples, rounds = measure(port=port, keys=keys, args=args, available=available)

    rows: list[report.Row] = []
    for (viewer, endpoint_name, variant), sample in samples.items():
        rows.append(
            report.Row(
                viewer=viewer,
                endpoint=endpoint_name,
                variant=variant,
                sample=sample,
                queries=queries.get((viewer, endpoint_name, variant), {}),
            )
        )
    for row in rows:
        if row.variant == "real":
            report.set_ratio(row, rounds[(row.viewer, row.endpoint)])

    facts = machine_facts(database=database.describe(url), counts=counts, args=args)
    facts += report.load_lines({f"{v} {e}": paired for (v, e), paired in rounds.items()})
    body = "\n".join(
        [
            "## API lists against a bare DRF baseline",
            "",
            "Generated by `make bench` (`python -m bench`, see `bench/`). *real* is the "
            "project's endpoint (per-Crous scope, filters, nested summaries); *baseline* is a "
            "bare `ListAPIView` + plain `ModelSerializer` serving the same rows: the same "
            "per-Crous scope, ordering, page and page size, authentication and permissions, "
            "no filter backends, no `select_related`, foreign keys as ids "
            "(`bench/baseline.py`). Real and baseline run in paired rounds, alternating "
            "ABBA; the ratio is the median of the per-round ratios, with their range "
            "(`bench/paired.py`). Targets: at most "
            f"{report.MAX_QUERIES} queries per request whatever the page size, and at least "
            f"{report.MIN_RATIO}× the baseline's requests per second (✔/✘).",
            "",
            report.HOW_TO_RUN,
            "Last run:",
            "",
            *facts,
            "",
            report.table(rows),
        ]
    )
    print()
    print(body)
    if not args.no_write:
        report.write_section(name=SECTION, body=body)
        print(f"\nWritten to docs/benchmarks.md, section {SECTION!r}.")
    failed = any(row.sample.errors for row in rows) or not all(row.meets_targets for row in rows)
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
