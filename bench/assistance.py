"""``python -m bench.assistance``: the staff ticket queue against a bare DRF list.

1. Database: ``DATABASE_URL`` (PostgreSQL, created if missing), else a SQLite file under
   var/bench/. The Crous, residences and staff of the demo (``seed_demo`` at a small scale)
   plus ``--tickets`` tickets (100,000) spread over the 26 Crous in proportion to their
   size, bulk-inserted once and kept: later runs skip the seeding. About half the tickets
   awaiting staff are past their due time.
2. Queries per request, in-process, at page sizes 1, 50 and 200: the target is the same
   count whatever the page size.
3. Requests per second over HTTP (gunicorn, sync workers, on 127.0.0.1), real and baseline
   alternated in rounds: ``GET /api/v1/tickets/?crous=<Bordeaux>&status=new&overdue=true``
   (the scoped queue: filter set, nested Crous / residence / assignee, overdue flag) against
   ``/bench/baseline/tickets/`` with the same parameters (a bare ``ListAPIView`` + plain
   ``ModelSerializer`` applying the same WHERE by hand, no scope). Target: at least 0.8×.
4. Printed, and written into docs/benchmarks.md between the ``assistance`` markers.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
from datetime import timedelta
from typing import Any

SECTION = "assistance"
SEED_SCALE = 0.02  # the demo's catalogue: 26 Crous, their residences and staff
VIEWERS = (
    ("Bordeaux agent", "agent.bordeaux@crous-demo.example"),
    ("national admin", "national@crous-demo.example"),
)
STATUSES = (("new", 0.25), ("open", 0.2), ("waiting", 0.2), ("resolved", 0.15), ("closed", 0.2))
CATEGORIES = ("code_resend", "lost_access", "transfer", "renewal", "payment", "other")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.assistance", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=400, help="per viewer and variant")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--strict", action="store_true")
    return parser.parse_args(argv)


def configure_environment() -> str:
    from bench.database import BENCH_VAR

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        BENCH_VAR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{BENCH_VAR / 'assistance.sqlite3'}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.assistance_settings",
            "DATABASE_URL": url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
        }
    )
    return url


def seed_tickets(*, total: int, seed: int) -> int:
    """Bulk-inserts tickets until there are ``total`` (bench ones); returns the count."""
    from django.db import connection
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from assistance.models import Ticket
    from residences.models import Crous, Residence

    with scopes_disabled():
        existing = Ticket.objects.filter(idempotency_key__startswith="bench:").count()
        if existing >= total:
            print(f"{existing:,} bench tickets found: seeding skipped.")
            return existing
        rng = random.Random(seed)
        now = timezone.now()
        residences: dict[int, list[int]] = {}
        for pk, crous_id in Residence.objects.values_list("pk", "crous_id"):
            residences.setdefault(crous_id, []).append(pk)
        crous_ids = list(Crous.objects.values_list("pk", flat=True))
        weights = [max(1, len(residences.get(c, []))) for c in crous_ids]
        statuses = [s for s, _w in STATUSES]
        status_weights = [w for _s, w in STATUSES]
        batch: list[Ticket] = []
        print(f"Seeding {total - existing:,} tickets over {len(crous_ids)} Crous…")
        for n in range(existing, total):
            crous_id = rng.choices(crous_ids, weights)[0]
            status = rng.choices(statuses, status_weights)[0]
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 60))
            awaiting = status in ("new", "open")
            batch.append(
                Ticket(
                    crous_id=crous_id,
                    residence_id=rng.choice(residences[crous_id])
                    if residences.get(crous_id)
                    else None,
                    category=rng.choice(CATEGORIES),
                    status=status,
                    subject=f"Demande {n}",
                    requester_name=f"Étudiant {n}",
                    requester_email=f"etudiant{n}@etu.example",
                    requester_ine=f"{n:010d}A",
                    created_at=created,
                    due_at=now + timedelta(hours=rng.randint(-240, 240)) if awaiting else None,
                    first_response_at=None if status == "new" else created + timedelta(hours=20),
                    idempotency_key=f"bench:{n}",
                )
            )
            if len(batch) == 5000:
                Ticket.objects.bulk_create(batch)
                batch.clear()
        Ticket.objects.bulk_create(batch)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        return Ticket.objects.filter(idempotency_key__startswith="bench:").count()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = configure_environment()
    from bench import database

    database.create_postgresql_database_if_missing(url)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django_scopes import scopes_disabled
    from rest_framework.authtoken.models import Token

    from bench import load, report, server
    from bench.__main__ import count_queries, headers_for, machine_facts
    from crous_admin.demo.seeding import seed_demo
    from residences.models import Crous, Residence

    print(f"Benchmark database: {database.describe(url)}")
    call_command("migrate", interactive=False, verbosity=0)
    with scopes_disabled():
        if not Crous.objects.filter(code="bordeaux").exists():
            seed_demo(scale=SEED_SCALE, seed=args.seed)
        tickets = seed_tickets(total=args.tickets, seed=args.seed)
        bordeaux = Crous.objects.get(code="bordeaux")
        counts = {"residences": Residence.objects.count(), "units": 0, "tenant_files": 0}
        crous_count = Crous.objects.count()
        from django.utils import timezone

        from assistance.models import Ticket

        matching = Ticket.objects.filter(
            crous=bordeaux, status="new", due_at__lt=timezone.now()
        ).count()
        keys = {
            label: Token.objects.get_or_create(user=get_user_model().objects.get(email=email))[
                0
            ].key
            for label, email in VIEWERS
        }
    query = f"crous={bordeaux.pk}&status=new&overdue=true"
    paths = {
        "real": f"/api/v1/tickets/?{query}",
        "baseline": f"/bench/baseline/tickets/?{query}",
    }

    print("\nQueries per request (in-process):")
    queries: dict[tuple[str, str], dict[int, int]] = {}
    for viewer, key in keys.items():
        for variant, path in paths.items():
            status, counted, _fields = count_queries(
                path, key=key, page_sizes=[1, 50, 200], explain=False
            )
            if status != 200:
                raise SystemExit(f"{path} answered {status} for {viewer}")
            queries[(viewer, variant)] = counted
            print(f"  {viewer:<15} {variant:<8} {counted}")

    samples: dict[tuple[str, str], Any] = {}
    rounds: dict[str, Any] = {}
    print(f"\nLoad over HTTP ({args.requests} requests per row):")
    with server.gunicorn(workers=args.workers, env={}) as port:
        for viewer, key in keys.items():
            measured, paired = load.alternate(
                port=port,
                variants={v: f"{path}&page_size={args.page_size}" for v, path in paths.items()},
                headers=headers_for(key),
                requests=args.requests,
                rounds=args.rounds,
                concurrency=args.concurrency,
                time_limit_s=args.time_limit,
                reference="baseline",
                label=f"{viewer:<15} ",
            )
            rounds[viewer] = paired
            for variant, sample in measured.items():
                samples[(viewer, variant)] = sample

    rows = []
    for (viewer, variant), sample in samples.items():
        row = report.Row(
            viewer=viewer,
            endpoint="tickets (Bordeaux, new, overdue)",
            variant=variant,
            sample=sample,
            queries=queries[(viewer, variant)],
        )
        if variant == "real":
            report.set_ratio(row, rounds[viewer])
        rows.append(row)
    constant = all(len(set(q.values())) == 1 for q in queries.values())
    facts = machine_facts(database=database.describe(url), counts=counts, args=_facts_args(args))
    facts[3] = (
        f"- Data: {tickets:,} tickets over {crous_count} Crous "
        f"({counts['residences']:,} residences); the filtered queue (Bordeaux, new, overdue) "
        f"holds {matching:,} tickets, so every page size is full"
    )
    facts += report.load_lines(rounds)
    body = "\n".join(
        [
            "## Assistance: the staff ticket queue against a bare DRF list",
            "",
            "Generated by `python -m bench.assistance` (see its docstring). *real* is "
            "`GET /api/v1/tickets/?crous=<Bordeaux>&status=new&overdue=true`: the per-Crous "
            "scope, the queue's filters, Crous / residence / assignee nested, the overdue "
            "flag, rows rendered from values (ADR 0012). *baseline* is a bare `ListAPIView` "
            "+ plain `ModelSerializer` over the same "
            "table applying the same WHERE by hand, same pagination, authentication and "
            "permissions, no scope, foreign keys as ids (`bench/assistance_urls.py`). Targets: "
            "the same number of queries whatever the page size "
            f"({'✔' if constant else '✘'}), and at least {report.MIN_RATIO}× the baseline's "
            "requests per second.",
            "",
            "Recorded on PostgreSQL: "
            "`DATABASE_URL=postgres://postgres@127.0.0.1:5432/crous_bench_assistance "
            ".venv/bin/python -m bench.assistance`.",
            "",
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
    failed = (
        not constant
        or any(row.sample.errors for row in rows)
        or not all(row.ratio is None or row.ratio >= report.MIN_RATIO for row in rows)
    )
    return 1 if args.strict and failed else 0


def _facts_args(args: argparse.Namespace) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), "scale": SEED_SCALE})


if __name__ == "__main__":
    sys.exit(main())
