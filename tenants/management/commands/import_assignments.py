"""``manage.py import_assignments FILE --crous CODE [--dry-run] [--by EMAIL]``.

Imports an allocation result (CSV, format in docs/imports.md) through
``tenants.imports.assignments.assignments_import``: every line is checked first; when one is
bad, the report of every bad line is printed and nothing is imported (exit code 1).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from tqdm import tqdm

from crous_admin.errors import ApplicationError
from residences.models import Crous
from tenants.imports.assignments import assignments_import
from tenants.imports.report import ImportReport

_STAGES = {"validate": "checking lines", "import": "importing"}


class _ProgressBars:
    """One tqdm bar per stage of the import, fed by the service's progress callback."""

    def __init__(self, *, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.bars: dict[str, tqdm[Any]] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self.bars.get(stage)
        if bar is None:
            self.close()  # the previous stage is over: its bar stays, complete
            bar = self.bars[stage] = tqdm(
                total=total,
                desc=_STAGES.get(stage, stage),
                unit=" lines",
                file=self.stream,
                disable=not self.enabled,
                leave=True,
            )
        bar.total = max(total, done)
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()  # closing twice is harmless


class Command(BaseCommand):
    help = (
        "Imports an allocation result (CSV): creates the students, the tenant files with "
        "their codes, and queues the code emails. Nothing is imported if any line is bad."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file (format: docs/imports.md)")
        parser.add_argument("--crous", required=True, help="code of the Crous, e.g. bordeaux")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every line, report, import nothing"
        )
        parser.add_argument(
            "--by",
            metavar="EMAIL",
            help="staff member recorded as the author in the history; must be allowed to "
            "assign units in this Crous (default: no author, a system import)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from exc
        stream = getattr(self.stderr, "_out", sys.stderr)
        progress = _ProgressBars(
            stream=stream,
            enabled=not options["no_progress"] and options["verbosity"] > 0,
        )
        # A command runs outside any request: no per-Crous scope is open; the service is
        # given the Crous explicitly and checks every line against it.
        with scopes_disabled():
            crous = self._crous(options["crous"])
            by = self._staff_member(options["by"]) if options["by"] else None
            try:
                report = assignments_import(
                    crous=crous,
                    by=by,
                    data=data,
                    dry_run=options["dry_run"],
                    source_name=path.name,
                    progress=progress,
                )
            except ApplicationError as exc:
                raise CommandError(exc.message, returncode=1) from exc
            finally:
                progress.close()
        self._print(report)
        if not report.ok:
            raise CommandError(
                _(
                    "%(bad)d bad line(s) out of %(rows)d: nothing was imported. Correct them "
                    "and run the command again."
                )
                % {"bad": report.bad_lines, "rows": report.rows},
                returncode=1,
            )

    def _crous(self, code: str) -> Crous:
        crous = Crous.objects.filter(code=code).first()
        if crous is None:
            known = ", ".join(Crous.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(
                _("No Crous has the code “%(code)s”. Known codes: %(known)s.")
                % {"code": code, "known": known}
            )
        return crous

    def _staff_member(self, email: str) -> Any:
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(
                _("No account has the email address “%(email)s”.") % {"email": email}
            )
        return user

    def _print(self, report: ImportReport) -> None:
        source = f"{report.source_name}: " if report.source_name else ""
        self.stdout.write(
            _("%(source)sread as %(encoding)s, delimiter “%(delimiter)s”, Crous %(crous)s")
            % {
                "source": source,
                "encoding": report.encoding or "?",
                "delimiter": report.delimiter.replace("\t", "\\t") or "?",
                "crous": report.crous_code,
            }
        )
        for error in report.errors:
            column = f" [{error.column}]" if error.column else ""
            self.stderr.write(
                _("line %(line)d%(column)s: %(message)s") % {**error._asdict(), "column": column}
            )
        for notice in report.notices:
            column = f" [{notice.column}]" if notice.column else ""
            self.stdout.write(
                self.style.WARNING(
                    _("line %(line)d%(column)s: %(message)s")
                    % {**notice._asdict(), "column": column}
                )
            )
        if not report.ok:
            return
        if report.imported:
            self.stdout.write(self.style.SUCCESS(_("Imported.")))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Dry run: every line is good; nothing was written. The import would give:")
                )
            )
        width = max(len(label) for label, _count in report.counts())
        for label, count in report.counts():
            self.stdout.write(f"  {label:<{width}}  {count:>7,}")
