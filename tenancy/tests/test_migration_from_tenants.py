"""The tenant space's move out of ``tenants``: a database written before it keeps every row.

The database is taken back to the schema before the move (tenants 0004, no tenancy app),
rows are written through the models of that migration state, then it migrates forward as a
deployment would (docs/adr/0016-tenancy-app-and-its-tables.md). Runs on SQLite and on
PostgreSQL (``DATABASE_URL=postgres://…``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tenancy.models import (
    AgreementTemplate,
    LedgerEntry,
    OccupancyAgreement,
    OnlinePayment,
    VerifiableDocument,
)
from tenants.tests.factories import TenantFileFactory

BEFORE_THE_MOVE = [("tenants", "0004_tenant_space"), ("tenancy", None)]
SHA_AGREEMENT = "a" * 64
SHA_RECEIPT = "b" * 64
AT = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.get_fixed_timezone(120))


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    """Migrates the test database to ``targets``; returns the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # what is applied now
    ContentType.objects.clear_cache()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest() -> list[tuple[str, str | None]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def database_before_the_move(transactional_db: None) -> Iterator[Any]:
    """The apps of the migration state before the move; the schema is put back afterwards."""
    try:
        yield _migrate(BEFORE_THE_MOVE)
    finally:
        _migrate(_latest())


def _write_tenant_space(old_apps: Any, *, tenant_file: Any, officer: Any) -> None:
    """One of each moved model, and a history row for each, as the old ``tenants`` app."""

    def old(name: str) -> Any:
        return old_apps.get_model("tenants", name)

    crous_id, file_id = tenant_file.crous_id, tenant_file.pk
    old("AgreementTemplate").objects.create(crous_id=crous_id, monthly_charges=Decimal("40.00"))
    documents = old("VerifiableDocument").objects
    to_sign = documents.create(
        crous_id=crous_id,
        tenant_file_id=file_id,
        kind="agreement",
        code="AGRE12345678",
        file=f"tenant-documents/{crous_id}/0123456789abcdef.pdf",
        sha256=SHA_AGREEMENT,
        size=2048,
        holder_initials="L. M.",
        issued_at=AT,
    )
    documents.create(
        crous_id=crous_id,
        tenant_file_id=file_id,
        kind="receipt",
        code="RECE12345678",
        month=date(2026, 9, 1),
        file=f"tenant-documents/{crous_id}/fedcba9876543210.pdf",
        sha256=SHA_RECEIPT,
        size=1024,
        holder_initials="L. M.",
        issued_at=AT,
    )
    old("OccupancyAgreement").objects.create(
        crous_id=crous_id,
        tenant_file_id=file_id,
        document=to_sign,
        document_sha256=SHA_AGREEMENT,
        monthly_rent=Decimal("300.00"),
        clauses="Clauses",
        house_rules="Rules",
        terms_digest="c" * 64,
        generated_at=AT,
    )
    payment = old("OnlinePayment").objects.create(
        crous_id=crous_id,
        tenant_file_id=file_id,
        gateway="fake",
        provider_reference="pay_1",
        amount=Decimal("300.00"),
        status="succeeded",
        settled_at=AT,
    )
    ledger = old("LedgerEntry").objects
    ledger.create(
        crous_id=crous_id,
        tenant_file_id=file_id,
        kind="charge",
        month=date(2026, 9, 1),
        booked_on=date(2026, 9, 1),
        amount=Decimal("300.00"),
        label="Rent September 2026",
    )
    ledger.create(
        crous_id=crous_id,
        tenant_file_id=file_id,
        kind="payment",
        booked_on=date(2026, 9, 3),
        amount=Decimal("300.00"),
        label="Online payment",
        method="online",
        online_payment=payment,
        created_by_id=officer.pk,
    )
    # One history row per moved model: simple-history's tables move with them.
    for name in ("AgreementTemplate", "VerifiableDocument", "OccupancyAgreement"):
        _history_of(old, name, old(name).objects.first())
    _history_of(old, "OnlinePayment", payment)
    _history_of(old, "LedgerEntry", ledger.first())


def _history_of(old: Any, name: str, row: Any) -> None:
    fields = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}
    old(f"Historical{name}").objects.create(
        **fields, history_date=AT, history_type="+", history_change_reason=None
    )


def test_a_database_written_before_the_move_keeps_every_row_document_and_permission(
    database_before_the_move: Any, bordeaux_officer: Any
) -> None:
    # Given a tenant space written by the tenants app, as in production today, and a group
    # granted "view ledger entry" while the model was in tenants
    tenant_file = TenantFileFactory()
    _write_tenant_space(database_before_the_move, tenant_file=tenant_file, officer=bordeaux_officer)
    highest_entry = database_before_the_move.get_model("tenants", "LedgerEntry").objects.last()
    old_content_type = ContentType.objects.get(app_label="tenants", model="ledgerentry")
    group = Group.objects.create(name="Rent readers")
    group.permissions.add(
        Permission.objects.get(content_type=old_content_type, codename="view_ledgerentry")
    )

    # When the database migrates forward
    _migrate(_latest())

    # Then every row is there, under the tenancy app
    assert AgreementTemplate.objects.count() == 1
    assert VerifiableDocument.objects.count() == 2
    assert OccupancyAgreement.objects.count() == 1
    assert OnlinePayment.objects.count() == 1
    assert LedgerEntry.objects.count() == 2
    for model in (AgreementTemplate, VerifiableDocument, OccupancyAgreement, OnlinePayment):
        assert model.history.count() == 1, model
    assert LedgerEntry.history.count() == 1
    assert {t.split("_", 1)[0] for t in _moved_tables()} == {"tenancy"}
    # and the documents still name the same stored file and hash
    receipt = VerifiableDocument.objects.get(code="RECE12345678")
    assert receipt.file.name == f"tenant-documents/{tenant_file.crous_id}/fedcba9876543210.pdf"
    assert receipt.sha256 == SHA_RECEIPT
    agreement = OccupancyAgreement.objects.select_related("document").get()
    assert agreement.document.sha256 == agreement.document_sha256 == SHA_AGREEMENT
    assert agreement.tenant_file_id == tenant_file.pk
    payment_entry = LedgerEntry.objects.get(kind="payment")
    assert payment_entry.online_payment.provider_reference == "pay_1"
    assert payment_entry.created_by_id == bordeaux_officer.pk
    # and the same content type, with its permission still granted, now belongs to tenancy
    moved = ContentType.objects.get_for_model(LedgerEntry)
    assert moved.pk == old_content_type.pk
    assert set(group.permissions.values_list("content_type__app_label", "codename")) == {
        ("tenancy", "view_ledgerentry")
    }
    # and a new row takes the next id (PostgreSQL's sequence came along with its table)
    entry = LedgerEntry.objects.create(
        crous_id=tenant_file.crous_id,
        tenant_file=tenant_file,
        kind="charge",
        month=date(2026, 10, 1),
        booked_on=date(2026, 10, 1),
        amount=Decimal("300.00"),
        label="Rent October 2026",
    )
    assert entry.pk > highest_entry.pk


def test_the_move_can_be_undone_with_the_rows(
    database_before_the_move: Any, bordeaux_officer: Any
) -> None:
    # Given a database moved forward with rows in it
    tenant_file = TenantFileFactory()
    _write_tenant_space(database_before_the_move, tenant_file=tenant_file, officer=bordeaux_officer)
    _migrate(_latest())

    # When it is migrated back (a rolled-back deployment)
    old_apps = _migrate(BEFORE_THE_MOVE)

    # Then the tenants app has its tables and rows again
    assert {t.split("_", 1)[0] for t in _moved_tables()} == {"tenants"}
    assert old_apps.get_model("tenants", "LedgerEntry").objects.count() == 2
    assert ContentType.objects.filter(app_label="tenants", model="ledgerentry").exists()


def _moved_tables() -> set[str]:
    names = {
        "agreementtemplate",
        "verifiabledocument",
        "occupancyagreement",
        "ledgerentry",
        "onlinepayment",
    }
    names |= {f"historical{n}" for n in names}
    return {
        t
        for t in connection.introspection.table_names()
        if t.startswith(("tenants_", "tenancy_")) and t.split("_", 1)[1] in names
    }
