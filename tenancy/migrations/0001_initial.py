"""The tenant space's models, moved here from ``tenants`` with every row they hold.

docs/adr/0016-tenancy-app-and-its-tables.md: the models come into this app's state over the
tables tenants/0004 created (``db_table`` options, no database change), then each table is
renamed ``tenancy_*`` (``AlterModelTable``), and the content types follow, so that staff
permissions, admin log entries and history rows still point at the same models.
"""

import django.core.validators
import django.db.models.deletion
import simple_history.models
import tenancy.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


#: Every model that moved, as the content-type ``model`` column spells it.
MOVED_MODELS = (
    "agreementtemplate",
    "historicalagreementtemplate",
    "historicalonlinepayment",
    "historicalverifiabledocument",
    "onlinepayment",
    "ledgerentry",
    "historicalledgerentry",
    "verifiabledocument",
    "occupancyagreement",
    "historicaloccupancyagreement",
)


def content_types_follow(apps, schema_editor, *, source="tenants", target="tenancy"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    # A row already under the target label (created by a post_migrate run meanwhile) keeps
    # its place; the old row then stays stale rather than breaking the unique (label, model).
    taken = set(
        ContentType.objects.using(db)
        .filter(app_label=target, model__in=MOVED_MODELS)
        .values_list("model", flat=True)
    )
    ContentType.objects.using(db).filter(app_label=source, model__in=MOVED_MODELS).exclude(
        model__in=taken
    ).update(app_label=target)
    ContentType.objects.clear_cache()


def content_types_go_back(apps, schema_editor):
    content_types_follow(apps, schema_editor, source="tenancy", target="tenants")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("residences", "0001_initial"),
        ("tenants", "0005_tenant_space_moved_to_tenancy"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AgreementTemplate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "clauses",
                            models.TextField(
                                default="The Crous makes the housing unit described above available to the student, for the student's own use as their main residence during their studies, for the period stated. The monthly fee (rent and charges) is due on the first day of each month; the first and last months are charged for the days occupied. The student takes out home insurance, keeps the unit in good repair, and may not sublet it. Either party may end the agreement with one month's notice.",
                                verbose_name="agreement clauses",
                            ),
                        ),
                        (
                            "house_rules",
                            models.TextField(
                                default="Quiet hours from 10 p.m. to 7 a.m. No smoking inside the buildings. Guests may stay no more than three nights a month. Common areas are kept clean by everyone. Report any damage to the residence's office without delay.",
                                verbose_name="house rules",
                            ),
                        ),
                        (
                            "monthly_charges",
                            models.DecimalField(
                                decimal_places=2,
                                default=Decimal("0.00"),
                                max_digits=7,
                                validators=[
                                    django.core.validators.MinValueValidator(Decimal("0.00"))
                                ],
                                verbose_name="monthly charges included in the rent (€)",
                            ),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(auto_now=True, verbose_name="updated at"),
                        ),
                        (
                            "crous",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="agreement_template",
                                to="residences.crous",
                                verbose_name="Crous",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tenants_agreementtemplate",
                        "verbose_name": "agreement template",
                        "verbose_name_plural": "agreement templates",
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalAgreementTemplate",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "clauses",
                            models.TextField(
                                default="The Crous makes the housing unit described above available to the student, for the student's own use as their main residence during their studies, for the period stated. The monthly fee (rent and charges) is due on the first day of each month; the first and last months are charged for the days occupied. The student takes out home insurance, keeps the unit in good repair, and may not sublet it. Either party may end the agreement with one month's notice.",
                                verbose_name="agreement clauses",
                            ),
                        ),
                        (
                            "house_rules",
                            models.TextField(
                                default="Quiet hours from 10 p.m. to 7 a.m. No smoking inside the buildings. Guests may stay no more than three nights a month. Common areas are kept clean by everyone. Report any damage to the residence's office without delay.",
                                verbose_name="house rules",
                            ),
                        ),
                        (
                            "monthly_charges",
                            models.DecimalField(
                                decimal_places=2,
                                default=Decimal("0.00"),
                                max_digits=7,
                                validators=[
                                    django.core.validators.MinValueValidator(Decimal("0.00"))
                                ],
                                verbose_name="monthly charges included in the rent (€)",
                            ),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(
                                blank=True, editable=False, verbose_name="updated at"
                            ),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "crous",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="residences.crous",
                                verbose_name="Crous",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tenants_historicalagreementtemplate",
                        "verbose_name": "historical agreement template",
                        "verbose_name_plural": "historical agreement templates",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalOnlinePayment",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        ("gateway", models.CharField(max_length=20, verbose_name="gateway")),
                        (
                            "provider_reference",
                            models.CharField(max_length=100, verbose_name="provider reference"),
                        ),
                        (
                            "amount",
                            models.DecimalField(
                                decimal_places=2,
                                max_digits=9,
                                validators=[
                                    django.core.validators.MinValueValidator(Decimal("0.01"))
                                ],
                                verbose_name="amount (€)",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                blank=True, editable=False, verbose_name="started at"
                            ),
                        ),
                        (
                            "settled_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="settled at"),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="started by",
                            ),
                        ),
                        (
                            "crous",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="residences.crous",
                                verbose_name="Crous",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "tenant_file",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="tenants.tenantfile",
                                verbose_name="tenant file",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tenants_historicalonlinepayment",
                        "verbose_name": "historical online payment",
                        "verbose_name_plural": "historical online payments",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalVerifiableDocument",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("agreement", "Occupancy agreement (to sign)"),
                                    ("signed_agreement", "Signed occupancy agreement"),
                                    ("receipt", "Rent receipt"),
                                    ("rent_certificate", "Rent certificate"),
                                ],
                                max_length=20,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "code",
                            models.CharField(
                                db_index=True, max_length=12, verbose_name="verification code"
                            ),
                        ),
                        ("month", models.DateField(blank=True, null=True, verbose_name="month")),
                        ("file", models.TextField(max_length=200, verbose_name="PDF")),
                        ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                        ("size", models.PositiveIntegerField(verbose_name="size (bytes)")),
                        (
                            "holder_initials",
                            models.CharField(max_length=12, verbose_name="holder's initials"),
                        ),
                        ("issued_at", models.DateTimeField(verbose_name="issued at")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "crous",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="residences.crous",
                                verbose_name="Crous",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "tenant_file",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="tenants.tenantfile",
                                verbose_name="tenant file",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tenants_historicalverifiabledocument",
                        "verbose_name": "historical verifiable document",
                        "verbose_name_plural": "historical verifiable documents",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="OnlinePayment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("gateway", models.CharField(max_length=20, verbose_name="gateway")),
                        (
                            "provider_reference",
                            models.CharField(max_length=100, verbose_name="provider reference"),
                        ),
                        (
                            "amount",
                            models.DecimalField(
                                decimal_places=2,
                                max_digits=9,
                                validators=[
                                    django.core.validators.MinValueValidator(Decimal("0.01"))
                                ],
                                verbose_name="amount (€)",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="started at"),
                        ),
                        (
                            "settled_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="settled at"),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="started by",
                            ),
                        ),
                        (
                            "crous",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="residences.crous",
                                verbose_name="Crous",
                            ),
                        ),
                        (
                            "tenant_file",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="online_payments",
                                to="tenants.tenantfile",
                                verbose_name="tenant file",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tenants_onlinepayment",
                        "verbose_name": "online payment",
                        "verbose_name_plural": "online payments",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="LedgerEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("charge", "Rent charge"), ("payment", "Payment")],
                                max_length=8,
                                verbose_name="kind",
                            ),
                        ),
                        ("month", models.DateField(blank=True, null=True, verbose_name="month")),
                        ("booked_on", models.DateField(verbose_name="date")),
                        (
                            "amount",
                            models.DecimalField(
                                decimal_places=2,
                                max_digits=9,
                                validators=[
                                    django.core.validators.MinValueValidator(Decimal("0.01"))
                                ],
                                verbose_name="amount (€)",
                            ),
                        ),
                        ("label", models.CharField(max_length=200, verbose_name="label")),
                        (
                            "method",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("online", "Online payment"),
                                    ("cheque", "Cheque"),
                                    ("transfer", "Bank transfer"),
                                    ("cash", "Cash"),
                                    ("other", "Other"),
                                ],
                                max_length=10,
                                verbose_name="payment method",
                            ),
                        ),
                        (
                            "reference",
                            models.CharField(blank=True, max_length=100, verbose_name="reference"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="recorded at"),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="recorded by",
                            ),
                        ),
                        (
                            "crous",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="residences.crous",
                                verbose_name="Crous",
                            ),
                        ),
                        (
                            "tenant_file",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="ledger_entries",
                                to="tenants.tenantfile",
                                verbose_name="tenant file",
                            ),
                        ),
                        (
                            "online_payment",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="ledger_entry",
                                to="tenancy.onlinepayment",
                                verbose_name="online payment",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tenants_ledgerentry",
                        "verbose_name": "ledger entry",
                        "verbose_name_plural": "ledger entries",
                        "ordering": ["booked_on", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalLedgerEntry",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("charge", "Rent charge"), ("payment", "Payment")],
                                max_length=8,
                                verbose_name="kind",
                            ),
                        ),
                        ("month", models.DateField(blank=True, null=True, verbose_name="month")),
                        ("booked_on", models.DateField(verbose_name="date")),
                        (
                            "amount",
                            models.DecimalField(
                                decimal_places=2,
                                max_digits=9,
                                validators=[
                                    django.core.validators.MinValueValidator(Decimal("0.01"))
                                ],
                                verbose_name="amount (€)",
                            ),
                        ),
                        ("label", models.CharField(max_length=200, verbose_name="label")),
                        (
                            "method",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("online", "Online payment"),
                                    ("cheque", "Cheque"),
                                    ("transfer", "Bank transfer"),
                                    ("cash", "Cash"),
                                    ("other", "Other"),
                                ],
                                max_length=10,
                                verbose_name="payment method",
                            ),
                        ),
                        (
                            "reference",
                            models.CharField(blank=True, max_length=100, verbose_name="reference"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                blank=True, editable=False, verbose_name="recorded at"
                            ),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="recorded by",
                            ),
                        ),
                        (
                            "crous",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="residences.crous",
                                verbose_name="Crous",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "tenant_file",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="tenants.tenantfile",
                                verbose_name="tenant file",
                            ),
                        ),
                        (
                            "online_payment",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="tenancy.onlinepayment",
                                verbose_name="online payment",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tenants_historicalledgerentry",
                        "verbose_name": "historical ledger entry",
                        "verbose_name_plural": "historical ledger entries",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="VerifiableDocument",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("agreement", "Occupancy agreement (to sign)"),
                                    ("signed_agreement", "Signed occupancy agreement"),
                                    ("receipt", "Rent receipt"),
                                    ("rent_certificate", "Rent certificate"),
                                ],
                                max_length=20,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "code",
                            models.CharField(
                                max_length=12, unique=True, verbose_name="verification code"
                            ),
                        ),
                        ("month", models.DateField(blank=True, null=True, verbose_name="month")),
                        (
                            "file",
                            models.FileField(
                                max_length=200,
                                upload_to=tenancy.models._document_path,
                                verbose_name="PDF",
                            ),
                        ),
                        ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                        ("size", models.PositiveIntegerField(verbose_name="size (bytes)")),
                        (
                            "holder_initials",
                            models.CharField(max_length=12, verbose_name="holder's initials"),
                        ),
                        ("issued_at", models.DateTimeField(verbose_name="issued at")),
                        (
                            "crous",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="residences.crous",
                                verbose_name="Crous",
                            ),
                        ),
                        (
                            "tenant_file",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="documents",
                                to="tenants.tenantfile",
                                verbose_name="tenant file",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tenants_verifiabledocument",
                        "verbose_name": "verifiable document",
                        "verbose_name_plural": "verifiable documents",
                        "ordering": ["-issued_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="OccupancyAgreement",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "document_sha256",
                            models.CharField(
                                max_length=64, verbose_name="SHA-256 of the agreement signed"
                            ),
                        ),
                        (
                            "monthly_rent",
                            models.DecimalField(
                                decimal_places=2, max_digits=7, verbose_name="monthly rent (€)"
                            ),
                        ),
                        ("clauses", models.TextField(verbose_name="agreement clauses")),
                        ("house_rules", models.TextField(verbose_name="house rules")),
                        (
                            "terms_digest",
                            models.CharField(max_length=64, verbose_name="digest of the terms"),
                        ),
                        ("generated_at", models.DateTimeField(verbose_name="generated at")),
                        (
                            "signed_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="signed at"),
                        ),
                        (
                            "signed_name",
                            models.CharField(
                                blank=True, max_length=300, verbose_name="name typed to sign"
                            ),
                        ),
                        (
                            "signed_ip",
                            models.GenericIPAddressField(
                                blank=True, null=True, verbose_name="signed from IP address"
                            ),
                        ),
                        (
                            "consent_text",
                            models.TextField(blank=True, verbose_name="consent statement"),
                        ),
                        (
                            "crous",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="residences.crous",
                                verbose_name="Crous",
                            ),
                        ),
                        (
                            "signed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="signed by (account)",
                            ),
                        ),
                        (
                            "tenant_file",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="agreement",
                                to="tenants.tenantfile",
                                verbose_name="tenant file",
                            ),
                        ),
                        (
                            "document",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="tenancy.verifiabledocument",
                                verbose_name="agreement to sign",
                            ),
                        ),
                        (
                            "signed_document",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="tenancy.verifiabledocument",
                                verbose_name="signed agreement",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tenants_occupancyagreement",
                        "verbose_name": "occupancy agreement",
                        "verbose_name_plural": "occupancy agreements",
                        "ordering": ["-generated_at"],
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalOccupancyAgreement",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "document_sha256",
                            models.CharField(
                                max_length=64, verbose_name="SHA-256 of the agreement signed"
                            ),
                        ),
                        (
                            "monthly_rent",
                            models.DecimalField(
                                decimal_places=2, max_digits=7, verbose_name="monthly rent (€)"
                            ),
                        ),
                        ("clauses", models.TextField(verbose_name="agreement clauses")),
                        ("house_rules", models.TextField(verbose_name="house rules")),
                        (
                            "terms_digest",
                            models.CharField(max_length=64, verbose_name="digest of the terms"),
                        ),
                        ("generated_at", models.DateTimeField(verbose_name="generated at")),
                        (
                            "signed_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="signed at"),
                        ),
                        (
                            "signed_name",
                            models.CharField(
                                blank=True, max_length=300, verbose_name="name typed to sign"
                            ),
                        ),
                        (
                            "signed_ip",
                            models.GenericIPAddressField(
                                blank=True, null=True, verbose_name="signed from IP address"
                            ),
                        ),
                        (
                            "consent_text",
                            models.TextField(blank=True, verbose_name="consent statement"),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "crous",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="residences.crous",
                                verbose_name="Crous",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "signed_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="signed by (account)",
                            ),
                        ),
                        (
                            "tenant_file",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="tenants.tenantfile",
                                verbose_name="tenant file",
                            ),
                        ),
                        (
                            "document",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="tenancy.verifiabledocument",
                                verbose_name="agreement to sign",
                            ),
                        ),
                        (
                            "signed_document",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="tenancy.verifiabledocument",
                                verbose_name="signed agreement",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tenants_historicaloccupancyagreement",
                        "verbose_name": "historical occupancy agreement",
                        "verbose_name_plural": "historical occupancy agreements",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.AddConstraint(
                    model_name="onlinepayment",
                    constraint=models.UniqueConstraint(
                        fields=("gateway", "provider_reference"), name="payment_reference_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="onlinepayment",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("amount__gt", 0)), name="payment_amount_positive"
                    ),
                ),
                migrations.AddIndex(
                    model_name="ledgerentry",
                    index=models.Index(
                        fields=["tenant_file", "kind", "booked_on"], name="ledger_file_kind_idx"
                    ),
                ),
                migrations.AddIndex(
                    model_name="ledgerentry",
                    index=models.Index(
                        fields=["crous", "kind", "booked_on"], name="ledger_crous_kind_idx"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="ledgerentry",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("kind", "charge")),
                        fields=("tenant_file", "month"),
                        name="ledger_one_charge_per_month",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="ledgerentry",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("amount__gt", 0)), name="ledger_amount_positive"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="ledgerentry",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "payment"), ("month__isnull", True)),
                            models.Q(("kind", "charge"), ("month__isnull", False)),
                            _connector="OR",
                        ),
                        name="ledger_month_iff_charge",
                    ),
                ),
                migrations.AddIndex(
                    model_name="verifiabledocument",
                    index=models.Index(
                        fields=["tenant_file", "kind"], name="document_file_kind_idx"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="verifiabledocument",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("kind", "receipt")),
                        fields=("tenant_file", "month"),
                        name="document_one_receipt_per_month",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="occupancyagreement",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("signed_at__isnull", True),
                            models.Q(
                                ("signed_document__isnull", False),
                                models.Q(("signed_name", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="agreement_signature_complete",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="agreementtemplate", table=None),
        migrations.AlterModelTable(name="historicalagreementtemplate", table=None),
        migrations.AlterModelTable(name="historicalonlinepayment", table=None),
        migrations.AlterModelTable(name="historicalverifiabledocument", table=None),
        migrations.AlterModelTable(name="onlinepayment", table=None),
        migrations.AlterModelTable(name="ledgerentry", table=None),
        migrations.AlterModelTable(name="historicalledgerentry", table=None),
        migrations.AlterModelTable(name="verifiabledocument", table=None),
        migrations.AlterModelTable(name="occupancyagreement", table=None),
        migrations.AlterModelTable(name="historicaloccupancyagreement", table=None),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
