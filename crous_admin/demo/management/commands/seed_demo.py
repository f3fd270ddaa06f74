"""``manage.py seed_demo``: demo data for every academic Crous, and the logins to try it with.

manage.py seed_demo                 # small demo (a few thousand units), idempotent
manage.py seed_demo --if-empty      # what ``make run`` does: only on an empty database
manage.py seed_demo --scale 1       # one national installation: 175,000 units, 300,000 files
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crous_admin.demo.seeding import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_SCALE,
    demo_data_present,
    planned_totals,
    seed_demo,
)


class Command(BaseCommand):
    help = "Creates demo Crous, residences, units, students, tenant files and staff accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=DEMO_SCALE,
            help=(
                "1 is a national installation (~1,000 residences, 175,000 units, 300,000 "
                f"tenant files); fractions allowed. Default {DEMO_SCALE}."
            ),
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed: same seed, same data."
        )
        parser.add_argument("--batch-size", type=int, default=5_000)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the logins) when any Crous exists already.",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the site runs, for the printed links.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale: float = options["scale"]
        if scale <= 0:
            raise CommandError("--scale must be a positive number, e.g. 1 or 0.01.")
        if options["if_empty"] and demo_data_present():
            self.stdout.write("Crous already exist: nothing seeded (--if-empty).")
        else:
            units, files = planned_totals(scale=scale)
            self.stdout.write(
                f"Seeding demo data at scale {scale:g} (~{units:,} units, ~{files:,} tenant files)…"
            )
            report = seed_demo(
                scale=scale,
                seed=options["seed"],
                batch_size=options["batch_size"],
                progress=options["verbosity"] >= 1,
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {report.crous} Crous, {report.residences:,} residences, "
                    f"{report.units:,} units, {report.students:,} students, "
                    f"{report.tenant_files:,} tenant files, {report.users} user accounts."
                )
            )
        self._print_logins(options["base_url"].rstrip("/"))

    def _print_logins(self, base_url: str) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (password for all of them):"))
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        width = max(len(login.email) for login in DEMO_LOGINS)
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<{width}}  {login.who}")
        self.stdout.write("")
        self.stdout.write(f"  Student pages: {base_url}/")
        self.stdout.write(f"  Back-office:   {base_url}/admin/")
        self.stdout.write(f"  API docs:      {base_url}/api/docs/")
