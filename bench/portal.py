"""``python -m bench.portal``: the student pages against their own frame, the frame against
a bare response.

1. Database: the API benchmark's (bench/database.py: ``DATABASE_URL`` or a SQLite file per
   scale), seeded once. One Bordeaux tenant file is linked to a benchmark student account,
   logged in once in-process: its session cookie is sent with every request.
2. Over HTTP (gunicorn, sync workers, 127.0.0.1): each page against ``/bench/frame/`` (the
   same DSFR frame, ``portal/base.html`` around an empty content block, with the same
   session), and the frame against ``/bench/bare/`` (no template, same middleware), in
   paired ABBA rounds (bench/paired.py); ratios are medians of the per-round ratios.
3. Targets: every page serves at least 0.7× its frame's requests per second, the frame at
   least 0.2× the bare response's (✔/✘). The table goes into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import UTC, datetime
from typing import Any

SECTION = "portal"
PAGE_TARGET, FRAME_TARGET = 0.7, 0.2
STUDENT_EMAIL = "bench.student@crous-bench.example"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.portal", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="data volume (1 = national)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=240, help="per page and variant")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=8, help="paired rounds")
    parser.add_argument("--time-limit", type=float, default=90.0, help="seconds per cell")
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


def student_session() -> tuple[str, int]:
    """A student account linked to an active Bordeaux file, logged in: (cookie, file id)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from tenants.models import TenantFile, TenantFileStatus

    with scopes_disabled():
        user, _ = get_user_model().objects.get_or_create(email=STUDENT_EMAIL)
        tenant_file = TenantFile.objects.filter(linked_user=user).first()
        if tenant_file is None:
            tenant_file = (
                TenantFile.objects.filter(
                    crous__code__icontains="bordeaux",
                    status=TenantFileStatus.ACTIVE,
                    linked_user__isnull=True,
                ).first()
                or TenantFile.objects.filter(status=TenantFileStatus.ACTIVE).first()
            )
            if tenant_file is None:
                raise SystemExit("No active tenant file in the benchmark database.")
            TenantFile.objects.filter(pk=tenant_file.pk).update(
                linked_user=user, linked_at=timezone.now()
            )
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value, tenant_file.pk


def pages(file_id: int) -> list[tuple[str, str, bool]]:
    """(label, path, logged in) of each measured page."""
    return [
        ("login page (anonymous)", "/connexion/", False),
        ("home", "/", True),
        ("I have an activation code", "/logement/code/", True),
        ("I consult my file", "/logement/", True),
        ("renewal page", f"/logement/renouvellement/{file_id}/", True),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from bench.__main__ import configure_environment

    url = configure_environment(scale=args.scale, settings_module="bench.portal_settings")
    from bench import database

    database.create_postgresql_database_if_missing(url)
    import django

    django.setup()
    from django.conf import settings

    from bench import load, report, server

    counts = database.prepare(scale=args.scale, seed=args.seed)
    cookie, file_id = student_session()
    anonymous = {"Accept-Language": "fr"}
    logged_in = {**anonymous, "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}

    def compare(port: int, label: str, variants: dict[str, str], headers: dict[str, str]) -> Any:
        reference = list(variants)[-1]
        samples, paired = load.alternate(
            port=port,
            variants=variants,
            headers=headers,
            requests=args.requests,
            rounds=args.rounds,
            concurrency=args.concurrency,
            time_limit_s=args.time_limit,
            reference=reference,
            label=f"{label:<28} ",
        )
        return samples, paired, reference

    results: list[tuple[str, str, Any, Any, str, float]] = []
    with server.gunicorn(workers=args.workers, env={}) as port:
        for label, path, needs_session in pages(file_id):
            headers = logged_in if needs_session else anonymous
            status, _ = load.get(port, path, headers=headers)
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
            samples, paired, reference = compare(
                port, label, {"page": path, "frame": "/bench/frame/"}, headers
            )
            results.append((label, "page", samples, paired, reference, PAGE_TARGET))
        for label, headers in (("frame, logged in", logged_in), ("frame, anonymous", anonymous)):
            samples, paired, reference = compare(
                port, label, {"frame": "/bench/frame/", "bare": "/bench/bare/"}, headers
            )
            results.append((label, "frame", samples, paired, reference, FRAME_TARGET))

    lines = [
        "| measured | against | req/s | reference req/s | p50 ms | ratio (median of rounds; "
        "range) | target |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    met = True
    loads = {}
    for label, name, samples, paired, reference, target in results:
        ratio = paired.ratio(name, reference) or 0.0
        low, high = paired.ratio_range(name, reference) or (0.0, 0.0)
        ok = ratio >= target
        met = met and ok
        loads[label] = paired
        lines.append(
            f"| {label} | {reference} | {samples[name].requests_per_second:,.1f} "
            f"| {samples[reference].requests_per_second:,.1f} "
            f"| {samples[name].percentile(50):,.1f} "
            f"| {ratio:.2f}× ({low:.2f}–{high:.2f}) | ≥ {target}× {'✔' if ok else '✘'} |"
        )
    body = "\n".join(
        [
            "## Student pages against their frame",
            "",
            "`python -m bench.portal` (`--help` for the knobs): each student page against "
            "`/bench/frame/` — the same DSFR frame (`portal/base.html`, its context "
            "processors, the same middleware and session) around an empty content — and the "
            "frame against `/bench/bare/`, a response with no template through the same "
            "middleware (bench/portal_urls.py). Paired ABBA rounds, ratio = median of the "
            f"per-round ratios. Targets: a page at least {PAGE_TARGET}× its frame, the frame "
            f"at least {FRAME_TARGET}× a bare response (✔/✘).",
            "",
            f"- Date: {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} "
            f"cores, {platform.system()}; Python {platform.python_version()}, "
            f"Django {django.get_version()}",
            f"- Database: {database.describe(url)}, scale {args.scale:g} "
            f"({counts['units']:,} units, {counts['tenant_files']:,} tenant files); DEBUG off",
            f"- Load: gunicorn {args.workers} sync workers, {args.concurrency} client threads, "
            f"{args.requests} requests per variant in {args.rounds} rounds; the logged-in "
            "pages as a student with one active Bordeaux file",
            *report.load_lines(loads),
            "",
            *lines,
        ]
    )
    print()
    print(body)
    if not args.no_write:
        report.write_section(name=SECTION, body=body)
        print(f"\nWritten to docs/benchmarks.md, section {SECTION!r}.")
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
