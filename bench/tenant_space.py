"""``python -m bench.tenant_space``: tenant-space PDFs per second, the arrears list and the
monthly charge job on one large Crous.

1. Database: ``DATABASE_URL`` (PostgreSQL; only this benchmark's own Crous is touched), else
   a throw-away SQLite file under var/bench/tenant-space/.
2. PDFs, rendered in memory, alternated over ``--rounds`` rounds (fastest kept): a *minimal
   reportlab document* (one page, one line: the library's floor, the baseline), the rent
   receipt, the rent certificate and the signed agreement (tenancy/pdf/documents.py); then
   the receipt *issued* (rendered, hashed, written to storage and recorded:
   ``tenancy.documents.document_issue``).
3. One Crous of ``--files`` current tenant files (bulk inserts): the hourly job
   ``ledger_charges_generate`` (first run charges every month due; second run finds nothing
   to do), then the arrears list (``files_in_arrears``, first page of 50) and the bulk
   selector for the renewal check (``tenant_files_arrears``), with their query counts at
   100 files and at ``--files`` files: constant, whatever the Crous' size.
4. The table is printed and written into docs/benchmarks.md between this benchmark's markers.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / "var" / "bench" / "tenant-space"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:tenant-space:begin -->", "<!-- bench:tenant-space:end -->"
CROUS_CODE = "bench-tenant-space"
ON = date(2027, 3, 15)  # seven months into the stays: 7 charges per file


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tenant_space", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--pdfs", type=int, default=200, help="documents rendered per kind")
    parser.add_argument("--files", type=int, default=20_000, help="tenant files of the Crous")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    return parser.parse_args(argv)


def configure_environment() -> str:
    url = os.environ.get("DATABASE_URL", "")
    WORKDIR.mkdir(parents=True, exist_ok=True)
    if not url:
        sqlite = WORKDIR / "tenant-space.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{sqlite}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "crous_admin.settings",
            "DATABASE_URL": url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "VAR_DIR": str(WORKDIR / "var"),
            "LOG_LEVEL": "WARNING",
        }
    )
    return url


@dataclass
class Measure:
    label: str
    count: int
    seconds: float
    queries: int | None = None

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("nan")


def best_of(rounds: int, label: str, count: int, work: Callable[[], Any]) -> Measure:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return Measure(label, count, min(times))


# --- PDFs ----------------------------------------------------------------------------------


def minimal_pdf() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, "Quittance de loyer — 260,00 €")
    page.showPage()
    page.save()
    return buffer.getvalue()


def pdf_measures(n: int, rounds: int) -> list[Measure]:
    from tenancy.pdf.documents import (
        AgreementData,
        CertificateData,
        Parties,
        ReceiptData,
        Signature,
        render_agreement,
        render_certificate,
        render_receipt,
    )

    parties = Parties(
        crous_name="Crous de Bordeaux-Aquitaine",
        crous_email="contact@crous-bordeaux.example",
        student_name="Léa MARTIN",
        student_ine="9900000001X",
        residence="Résidence Le Bosquet",
        unit="B214",
        unit_type="Studio T1",
        address="12 avenue de l’Université, 33400 Talence",
    )
    receipt = ReceiptData(parties, date(2026, 9, 1), Decimal("405.00"), Decimal("35.00"), ON)
    certificate = CertificateData(
        parties, Decimal("370.00"), Decimal("35.00"), date(2026, 9, 1), date(2027, 6, 30), True, ON
    )
    agreement = AgreementData(
        parties,
        Decimal("405.00"),
        date(2026, 9, 1),
        date(2027, 6, 30),
        "Clauses. " * 80,
        "R. " * 80,
    )
    signature = Signature(
        "Léa Martin", datetime(2026, 9, 3, tzinfo=UTC), "203.0.113.7", "a" * 64, "Europe/Paris"
    )
    code = "ABCDEFGHJKMN"

    def many(render: Callable[[], bytes]) -> Callable[[], None]:
        return lambda: [render() for _ in range(n)]

    measures = []
    for _ in range(rounds):  # alternated: the machine is shared
        measures += [
            best_of(1, "minimal reportlab document (baseline)", n, many(minimal_pdf)),
            best_of(1, "rent receipt", n, many(lambda: render_receipt(receipt, code=code))),
            best_of(
                1, "rent certificate", n, many(lambda: render_certificate(certificate, code=code))
            ),
            best_of(
                1,
                "signed agreement",
                n,
                many(lambda: render_agreement(agreement, code=code, signature=signature)),
            ),
        ]
    fastest: dict[str, Measure] = {}
    for m in measures:
        if m.label not in fastest or m.seconds < fastest[m.label].seconds:
            fastest[m.label] = m
    return list(fastest.values())


# --- The large Crous -------------------------------------------------------------------------


def remove_everything() -> None:
    from django.db import connection

    from residences.models import Crous, HousingUnit, Residence
    from tenancy.models import LedgerEntry, VerifiableDocument
    from tenants.models import Student, TenantFile

    crous = Crous.objects.filter(code=CROUS_CODE).first()
    if crous is None:
        return
    VerifiableDocument.objects.filter(crous=crous).delete()
    LedgerEntry.objects.filter(crous=crous).delete()
    TenantFile.objects.filter(crous=crous).delete()
    Student.objects.filter(crous=crous).delete()
    HousingUnit.objects.filter(residence__crous=crous).delete()
    Residence.objects.filter(crous=crous).delete()
    crous.delete()
    connection.close()


def create_crous(files: int) -> Any:
    from residences.models import Crous, HousingUnit, Residence
    from tenants.ine import bea_ine
    from tenants.models import Student, TenantFile, TenantFileStatus

    crous = Crous.objects.create(
        code=CROUS_CODE,
        name="Crous bench tenant space",
        contact_email="b@bench.example",
        sms_sender_name="CROUS",
    )
    units: list[HousingUnit] = []
    for start in range(0, files, 1000):
        residence = Residence.objects.create(
            crous=crous,
            code=f"r{start}",
            name=f"Résidence {start}",
            address="1 rue",
            postal_code="33000",
            city="Bordeaux",
        )
        units += HousingUnit.objects.bulk_create(
            HousingUnit(
                residence=residence,
                number=f"{i}",
                unit_type="room",
                surface_m2=Decimal("9.0"),
                monthly_rent=Decimal("250.00") + i % 200,
                status="occupied",
            )
            for i in range(min(1000, files - start))
        )
    students = Student.objects.bulk_create(
        Student(
            crous=crous,
            ine=bea_ine(5_000_000_000 + i),
            first_name="Léa",
            last_name=f"M{i}",
            email=f"s{i}@bench.example",
        )
        for i in range(files)
    )
    TenantFile.objects.bulk_create(
        TenantFile(
            crous=crous,
            student=s,
            unit=u,
            academic_year=2026,
            status=TenantFileStatus.ACTIVE,
            start_date=date(2026, 9, 1) + timedelta(days=i % 20),
            end_date=date(2027, 6, 30),
        )
        for i, (s, u) in enumerate(zip(students, units, strict=True))
    )
    return crous


def count_queries(work: Callable[[], Any]) -> tuple[int, float, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    return len(captured.captured_queries), seconds, result


def crous_measures(crous: Any, files: int) -> list[Measure]:
    from tenancy.ledger import files_in_arrears, ledger_charges_generate, tenant_files_arrears
    from tenants.models import TenantFile

    queries, seconds, charged = count_queries(lambda: ledger_charges_generate(on=ON))
    first = Measure(f"hourly charge job, first run: {charged:,} charges", files, seconds, queries)
    queries, seconds, again = count_queries(lambda: ledger_charges_generate(on=ON))
    second = Measure(f"hourly charge job, next run ({again} added)", files, seconds, queries)

    ids = list(TenantFile.objects.filter(crous=crous).values_list("pk", flat=True))
    page = lambda: list(files_in_arrears(on=ON).filter(crous=crous)[:50])  # noqa: E731
    small_q, _, _ = count_queries(
        lambda: list(files_in_arrears(on=ON).filter(pk__in=ids[:100])[:50])
    )
    queries, seconds, _ = count_queries(page)
    arrears = Measure(
        f"arrears list, first page of 50 (queries at 100 files: {small_q})", files, seconds, queries
    )
    bulk_small, _, _ = count_queries(lambda: tenant_files_arrears(tenant_file_ids=ids[:100], on=ON))
    queries, seconds, _ = count_queries(lambda: tenant_files_arrears(tenant_file_ids=ids, on=ON))
    bulk = Measure(
        f"`tenant_files_arrears` for every file (queries at 100 files: {bulk_small})",
        files,
        seconds,
        queries,
    )
    return [first, second, arrears, bulk]


def issue_measure(crous: Any, n: int) -> Measure:
    from tenancy.agreements import parties_of
    from tenancy.documents import document_issue
    from tenancy.pdf.documents import ReceiptData, render_receipt
    from tenants.models import TenantFile

    files = list(
        TenantFile.objects.filter(crous=crous).select_related(
            "crous", "student", "unit__residence"
        )[:n]
    )
    started = time.perf_counter()
    for f in files:
        data = ReceiptData(parties_of(f), date(2026, 9, 1), f.unit.monthly_rent, Decimal("0"), ON)
        document_issue(
            tenant_file=f,
            kind="receipt",
            month=date(2026, 9, 1),
            render=lambda c, d=data: render_receipt(d, code=c),
        )
    return Measure(
        "rent receipt issued: rendered, hashed, stored, recorded",
        len(files),
        time.perf_counter() - started,
    )


def table(pdfs: list[Measure], issued: Measure, crous: list[Measure]) -> str:
    baseline = next(m for m in pdfs if "baseline" in m.label)
    lines = [
        "| PDF | documents | seconds | per second | ÷ minimal document |",
        "|---|---:|---:|---:|---:|",
    ]
    for m in [*pdfs, issued]:
        ratio = m.rate / baseline.rate
        lines.append(
            f"| {m.label} | {m.count:,} | {m.seconds:.2f} | {m.rate:,.0f} | {ratio:.2f}× |"
        )
    lines += ["", "| one Crous | files | seconds | queries |", "|---|---:|---:|---:|"]
    for m in crous:
        lines.append(f"| {m.label} | {m.count:,} | {m.seconds:.3f} | {m.queries} |")
    return "\n".join(lines)


def write_section(text: str) -> None:
    block = f"{BEGIN}\n{text.strip()}\n{END}"
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    doc = (
        pattern.sub(lambda _m: block, doc)
        if pattern.search(doc)
        else doc.rstrip("\n") + "\n\n" + block + "\n"
    )
    DOC.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = configure_environment()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scopes_disabled

    from bench.database import create_postgresql_database_if_missing, describe

    create_postgresql_database_if_missing(url)
    call_command("migrate", verbosity=0, interactive=False)
    pdfs = pdf_measures(args.pdfs, args.rounds)
    for m in pdfs:
        print(f"  {m.label}: {m.rate:,.0f}/s")
    with scopes_disabled():
        remove_everything()
        try:
            crous = create_crous(args.files)
            measures = crous_measures(crous, args.files)
            issued = issue_measure(crous, min(args.pdfs, args.files))
        finally:
            remove_everything()
    body = table(pdfs, issued, measures)
    print(body)
    database = describe(url)
    if connection.vendor == "sqlite":
        database += f" (SQLite {connection.Database.sqlite_version})"
    import reportlab

    text = "\n".join(
        [
            "## Tenant space: PDFs per second, arrears list, monthly charges",
            "",
            "`python -m bench.tenant_space` (`--help` for the knobs). PDFs rendered in memory "
            "against a minimal reportlab document (one page, one line) measured in the same "
            "run, fastest of the alternated rounds; then one Crous of many current files "
            "(seven months of charges each). Query counts are the point of the second table: "
            "they do not grow with the Crous.",
            "",
            f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} cores "
            f"(load average {os.getloadavg()[0]:.1f}); database: {database}; "
            f"reportlab {reportlab.Version}.",
            "",
            body,
            "",
            "Reading the figures: a tenant-space PDF costs about 10 to 20 times the library's "
            "floor (one page, one line), for its platypus layout (tables of wrapped "
            "paragraphs) and the page decorations; issuing adds the SHA-256, the file write "
            "and one INSERT. Receipts are issued one by one as payments arrive (a large "
            "Crous' 10,000 monthly receipts are under two minutes of CPU, spread over the "
            "month); a mass reissue would belong in a Celery task. The charge job's first run "
            "catches up every month of every file (here seven per file; a monthly run adds "
            "one per file); its later runs cost one indexed query (files missing their "
            "latest charge). The arrears page and the bulk selector for the renewal check "
            "cost one query each, at 100 files as at the whole Crous.",
        ]
    )
    if not args.no_write:
        write_section(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
