"""Who may renew: one explainable check, used by the student pages, the API and staff.

The check is a list of small rule functions (``RULES``). Each one looks at the same facts
(the tenant file, its student, the window, the clock, the years already spent in the Crous'
housing) and answers with a ``RuleResult``: passed or not, whether a failure blocks the
renewal, and a sentence for the student saying what it found and what to do. Nothing else
decides eligibility: the submission service records the results on the request, the pages
and the API show them as they are.

Adding a rule is writing one function ``def rule(facts: Facts) -> RuleResult`` here and
appending it to ``RULES``; data a rule needs beyond the file is loaded once per check (or
once per batch of files) through its own app's selector, as the rent ledger's arrears are
(``unpaid_rent_for``). See docs/adr/0009-renewal-eligibility-as-rules.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from crous_admin.academic_year import academic_year_label, academic_year_of
from tenancy.ledger import tenant_files_arrears
from tenants.models import TenantFile, TenantFileStatus

if TYPE_CHECKING:
    from renewals.models import RenewalWindow


@dataclass(frozen=True)
class RuleResult:
    code: str
    title: str
    passed: bool
    message: str
    #: A failed blocking rule refuses the renewal; a non-blocking one only informs.
    blocking: bool = True
    #: Passed, but only staff's decision can grant it (a year beyond the maximum stay).
    needs_exception: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Facts:
    tenant_file: TenantFile
    window: RenewalWindow | None
    now: datetime
    #: Academic years the student has already been housed by this Crous (the current one
    #: included): the renewal would be year ``years_of_stay + 1``.
    years_of_stay: int
    #: Rent owed on charges due more than ``RENEWALS_RENT_GRACE_DAYS`` ago, net of every
    #: payment made so far (tenancy/ledger.py).
    unpaid_rent: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class Eligibility:
    results: tuple[RuleResult, ...]

    @property
    def eligible(self) -> bool:
        return all(r.passed or not r.blocking for r in self.results)

    @property
    def blocking(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed and r.blocking]

    @property
    def blocking_codes(self) -> list[str]:
        return [r.code for r in self.blocking]

    @property
    def needs_exception(self) -> bool:
        return any(r.needs_exception for r in self.results)

    def result(self, code: str) -> RuleResult | None:
        return next((r for r in self.results if r.code == code), None)

    def as_json(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.results]


def _local(window: RenewalWindow, moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment, window.zone), "DATETIME_FORMAT")


# --- The rules --------------------------------------------------------------------------------


def file_active_and_linked(facts: Facts) -> RuleResult:
    f = facts.tenant_file
    title = _("Your tenant file is active and linked to your account")
    if f.status == TenantFileStatus.ACTIVE and f.linked_user_id is not None:
        return RuleResult("file_active_and_linked", title, True, _("Yes."))
    if f.linked_user_id is None:
        message = _(
            "Link your account to your accommodation first with the activation code your "
            'Crous emailed you ("I have an activation code").'
        )
    else:
        message = _(
            "This tenant file is %(status)s: only a current, active file can be renewed. "
            "Write to your Crous if this is a mistake."
        ) % {"status": f.get_status_display().lower()}
    return RuleResult("file_active_and_linked", title, False, message)


def not_renewed_yet(facts: Facts) -> RuleResult:
    title = _("Your file is for the year before the renewal")
    window = facts.window
    if window is None or facts.tenant_file.academic_year < window.academic_year:
        return RuleResult("not_renewed_yet", title, True, _("Yes."))
    return RuleResult(
        "not_renewed_yet",
        title,
        False,
        _("Your file already covers the academic year %(year)s: nothing to renew.")
        % {"year": academic_year_label(facts.tenant_file.academic_year)},
    )


def inside_window(facts: Facts) -> RuleResult:
    title = _("The renewal window is open")
    window = facts.window
    if window is None:
        return RuleResult(
            "inside_window",
            title,
            False,
            _(
                "Your Crous has not published its renewal dates for %(year)s yet: come back "
                "later, the dates will show here."
            )
            % {"year": academic_year_label(facts.tenant_file.academic_year + 1)},
        )
    zone = str(window.crous.time_zone)
    state = window.state(facts.now)
    if state == "upcoming":
        message = _("It opens on %(opens)s (%(zone)s time). Come back then to ask.") % {
            "opens": _local(window, window.opens_at),
            "zone": zone,
        }
    elif state == "closed":
        message = _(
            "It closed on %(closes)s (%(zone)s time). Without a request your room may be "
            "re-let for the next academic year: write to your Crous at once."
        ) % {"closes": _local(window, window.closes_at), "zone": zone}
    else:
        message = _("Yes, until %(closes)s (%(zone)s time).") % {
            "closes": _local(window, window.closes_at),
            "zone": zone,
        }
    return RuleResult("inside_window", title, state == "open", message)


def dse_for_next_year(facts: Facts) -> RuleResult:
    window = facts.window
    student = facts.tenant_file.student
    year = window.academic_year if window else facts.tenant_file.academic_year + 1
    label = academic_year_label(year)
    title = _("DSE submitted for %(year)s (scholarship holders)") % {"year": label}
    if window is None or not window.dse_rule:
        return RuleResult(
            "dse_for_next_year", title, True, _("Not required by your Crous for this renewal.")
        )
    if not student.is_scholarship_holder:
        return RuleResult(
            "dse_for_next_year", title, True, _("Not required: you are not a scholarship holder.")
        )
    if student.dse_submitted_for is not None and student.dse_submitted_for >= year:
        return RuleResult("dse_for_next_year", title, True, _("Yes, it has been received."))
    return RuleResult(
        "dse_for_next_year",
        title,
        False,
        _(
            "Submit your DSE (Dossier Social Étudiant) for %(year)s on "
            "messervices.etudiant.gouv.fr: your renewal is blocked until your Crous has it."
        )
        % {"year": label},
    )


def years_of_stay(facts: Facts) -> RuleResult:
    window = facts.window
    maximum = window.max_years_of_stay if window else 5
    extra = window.exceptional_years if window else 1
    next_year = facts.years_of_stay + 1
    title = _("At most %(max)s years in Crous housing") % {"max": maximum}
    if next_year <= maximum:
        return RuleResult(
            "years_of_stay",
            title,
            True,
            _("Yes: the renewal would be your year %(n)s of %(max)s.")
            % {"n": next_year, "max": maximum},
        )
    if next_year <= maximum + extra:
        return RuleResult(
            "years_of_stay",
            title,
            True,
            _(
                "The renewal would be your year %(n)s, beyond the %(max)s years of a study "
                "cycle: your Crous grants it only by exception. Ask anyway and explain your "
                "situation to your Crous; staff will decide."
            )
            % {"n": next_year, "max": maximum},
            needs_exception=True,
        )
    return RuleResult(
        "years_of_stay",
        title,
        False,
        _(
            "You have already been housed %(n)s years by this Crous, the most it allows "
            "(%(max)s plus %(extra)s by exception). Write to your Crous about other housing."
        )
        % {"n": facts.years_of_stay, "max": maximum, "extra": extra},
    )


def no_unpaid_rent(facts: Facts) -> RuleResult:
    title = _("No unpaid rent")
    if facts.unpaid_rent <= 0:
        return RuleResult("no_unpaid_rent", title, True, _("Yes: your rent is paid up."))
    return RuleResult(
        "no_unpaid_rent",
        title,
        False,
        _(
            "%(amount)s € of rent is unpaid. Pay it in your tenant space (Housing → Rent "
            "and receipts), or write to your Crous if you already paid by another means; you "
            "can ask again as soon as it is settled."
        )
        % {"amount": formats.number_format(facts.unpaid_rent, 2, use_l10n=True)},
    )


Rule = Callable[[Facts], RuleResult]

#: Checked in this order and shown in this order.
RULES: list[Rule] = [
    file_active_and_linked,
    not_renewed_yet,
    inside_window,
    dse_for_next_year,
    years_of_stay,
    no_unpaid_rent,
]


# --- The check --------------------------------------------------------------------------------


def years_of_stay_for(tenant_files: Iterable[TenantFile]) -> dict[int, int]:
    """Academic years each file's student has been housed by the file's Crous, up to the
    file's year: ``{tenant_file_id: years}``, in one query for any number of files."""
    files = list(tenant_files)
    if not files:
        return {}
    by_student: dict[int, set[int]] = defaultdict(set)
    history: QuerySet[TenantFile] = TenantFile.objects.filter(
        student_id__in={f.student_id for f in files}
    ).exclude(status=TenantFileStatus.CANCELLED)
    for student_id, start_date, year in history.values_list(
        "student_id", "start_date", "academic_year"
    ):
        by_student[student_id].update(range(academic_year_of(start_date), year + 1))
    return {
        f.pk: len({y for y in by_student[f.student_id] if y <= f.academic_year}) or 1 for f in files
    }


def unpaid_rent_for(tenant_files: Iterable[TenantFile], *, now: datetime) -> dict[int, Decimal]:
    """Rent each file owes on charges due more than ``RENEWALS_RENT_GRACE_DAYS`` days before
    ``now`` (the Crous' local date), net of every payment made by then:
    ``{tenant_file_id: amount}``, in one query for any number of files."""
    by_zone: dict[str, tuple[Any, list[int]]] = {}
    for f in tenant_files:
        zone = f.crous.time_zone
        by_zone.setdefault(str(zone), (zone, []))[1].append(f.pk)
    unpaid: dict[int, Decimal] = {}
    grace = timedelta(days=settings.RENEWALS_RENT_GRACE_DAYS)
    for zone, ids in by_zone.values():
        today = timezone.localdate(now, timezone=zone)
        unpaid |= tenant_files_arrears(tenant_file_ids=ids, on=today - grace, paid_by=today)
    return unpaid


def eligibility_check(
    *,
    tenant_file: TenantFile,
    window: RenewalWindow | None,
    now: datetime | None = None,
    years: int | None = None,
    unpaid_rent: Decimal | None = None,
) -> Eligibility:
    """Runs every rule on one file; ``years`` (years of stay) and ``unpaid_rent`` may come
    precomputed by ``years_of_stay_for`` and ``unpaid_rent_for`` when many files are checked
    at once."""
    now = now or timezone.now()
    if years is None:
        years = years_of_stay_for([tenant_file])[tenant_file.pk]
    if unpaid_rent is None:
        unpaid_rent = unpaid_rent_for([tenant_file], now=now)[tenant_file.pk]
    facts = Facts(
        tenant_file=tenant_file,
        window=window,
        now=now,
        years_of_stay=years,
        unpaid_rent=unpaid_rent,
    )
    return Eligibility(tuple(rule(facts) for rule in RULES))
