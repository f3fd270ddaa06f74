"""The benchmark's own database: chosen, created, migrated and seeded once, kept between runs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import environ

BENCH_VAR = Path(__file__).resolve().parent.parent / "var" / "bench"


def choose_database_url(*, scale: float) -> str:
    """PostgreSQL when ``DATABASE_URL`` is set, else a SQLite file per scale under var/bench/."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return url
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{BENCH_VAR / f'bench-scale-{scale:g}.sqlite3'}"


def describe(url: str) -> str:
    """The URL without its password, for the report."""
    config = environ.Env.db_url_config(url)
    if config["ENGINE"].endswith("sqlite3"):
        return f"SQLite {Path(config['NAME']).name}"
    host, port = config.get("HOST") or "localhost", config.get("PORT") or 5432
    return f"PostgreSQL {host}:{port}/{config['NAME']}"


def create_postgresql_database_if_missing(url: str) -> None:
    """``CREATE DATABASE`` through the server's maintenance database, when needed."""
    config = environ.Env.db_url_config(url)
    if not config["ENGINE"].endswith("postgresql"):
        return
    import psycopg
    from psycopg import sql

    params: dict[str, Any] = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (config["NAME"],)
        ).fetchone()
        if not exists:
            print(f"Creating database {config['NAME']}…")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def prepare(*, scale: float, seed: int, verbosity: int = 1) -> dict[str, int]:
    """Migrates, seeds what is missing at ``scale`` and refreshes the planner's statistics.

    Needs Django set up. Returns the row counts the benchmark runs over.
    """
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scopes_disabled

    from crous_admin.demo.seeding import planned_totals, seed_demo
    from residences.models import HousingUnit, Residence
    from tenants.models import TenantFile

    call_command("migrate", interactive=False, verbosity=0)
    units, files = planned_totals(scale=scale)
    with scopes_disabled():
        present = HousingUnit.objects.count() >= units and TenantFile.objects.count() >= files
        if present:
            print("Seeded database found: seeding skipped.")
        else:
            print(f"Seeding scale {scale:g} (~{units:,} units, ~{files:,} tenant files)…")
            report = seed_demo(scale=scale, seed=seed, progress=verbosity > 0)
            print(
                f"  created {report.residences:,} residences, {report.units:,} units, "
                f"{report.students:,} students, {report.tenant_files:,} tenant files."
            )
        # What PostgreSQL's autovacuum does a little after a bulk load (statistics for the
        # planner, the visibility map for index-only counts); SQLite never analyses by
        # itself. Either way, the plans are then those of a live system, not of a fresh load.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        return {
            "residences": Residence.objects.count(),
            "units": HousingUnit.objects.count(),
            "tenant_files": TenantFile.objects.count(),
        }
