"""A student types their tenant code: the account is linked to the file, or told why not.

Budget per attempt, whatever happens: two reads and one write.

1. read — the file whose code this is, and the files that may be waiting for this account
   (not linked yet, sent to the account's email address): wrong codes count against them;
2. read — the wrong-code counters of the account and of those files, locked;
3. write — either the link (the file, locked by read 1, gets the account; its history row
   is the audit trail) or all the counters at once (one upsert statement).

Input that cannot be a code (an INE, an email address, a password…) is explained and costs
no database access and no attempt. Per-IP throttling is counted in the shared cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django_scopes import scopes_disabled

from crous_admin.errors import ApplicationError
from crous_admin.history import record_author
from tenants.codes import CodeInputProblem, code_hmac, code_input_problem
from tenants.models import CodeEntryGuard, TenantFile, TenantFileStatus

if TYPE_CHECKING:
    from crous_admin.accounts.models import User
    from residences.models import Crous

# Wrong codes older than this are forgotten: a student trying again the next day starts over.
FAILURE_MEMORY = timedelta(hours=24)


class CodeRefused(ApplicationError):
    """The code was not accepted; ``code`` says why, ``message`` what to do next."""


@dataclass(frozen=True)
class _Limits:
    max_attempts: int
    block: timedelta
    time_zone: ZoneInfo


def _limits(crous: Crous | None) -> _Limits:
    if crous is None:
        return _Limits(
            max_attempts=settings.TENANT_CODE_DEFAULT_MAX_ATTEMPTS,
            block=timedelta(hours=settings.TENANT_CODE_DEFAULT_BLOCK_HOURS),
            time_zone=ZoneInfo(settings.TIME_ZONE),
        )
    return _Limits(
        max_attempts=crous.code_max_attempts,
        block=timedelta(hours=crous.code_block_hours),
        time_zone=crous.time_zone,
    )


def _local(moment: datetime, time_zone: ZoneInfo) -> str:
    return formats.date_format(timezone.localtime(moment, time_zone), "DATETIME_FORMAT")


# Marked with gettext_noop so that makemessages extracts it; translated where it is used.
_WHERE_THE_CODE_COMES_FROM = gettext_noop(
    "The activation code has 10 letters and digits, like ABCD-EFGH-JK. Your Crous sent it by "
    "email after your housing assignment, from “Crous”: look in your spam or “Promotions” "
    "folder too."
)


def _input_problem_message(problem: CodeInputProblem, raw: str) -> str:
    where = _(_WHERE_THE_CODE_COMES_FROM)
    messages = {
        CodeInputProblem.EMPTY: _("Type your activation code."),
        CodeInputProblem.LOOKS_LIKE_INE: _(
            "This looks like your INE (your national student number), not the activation code."
        ),
        CodeInputProblem.LOOKS_LIKE_EMAIL: _("This is an email address, not the activation code."),
        CodeInputProblem.LOOKS_LIKE_PASSWORD: _(
            "This looks like a password. The activation code is not your account's password."
        ),
        CodeInputProblem.LOOKS_LIKE_NUMBER: _(
            "This is a number (a student, phone or Izly number?), not the activation code."
        ),
        CodeInputProblem.WRONG_LENGTH: _(
            "An activation code has exactly 10 letters and digits; what you typed has %(n)d."
        )
        % {"n": len("".join(ch for ch in raw if ch.isalnum()))},
        CodeInputProblem.FORBIDDEN_CHARACTERS: _(
            "An activation code never contains the letters I, L or O, nor the digits 0 or 1: "
            "check each character against the email."
        ),
    }
    return f"{messages[problem]} {where}"


def _ip_attempts_exceeded(ip: str | None) -> bool:
    if not ip:
        return False
    key = f"tenant-code-ip:{ip}"
    window = 3600
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > settings.TENANT_CODE_ATTEMPTS_PER_IP_PER_HOUR


def _blocked_until(guard: CodeEntryGuard | None, now: datetime) -> datetime | None:
    if guard and guard.blocked_until and guard.blocked_until > now:
        return guard.blocked_until
    return None


def _refuse_blocked(until: datetime, limits: _Limits, now: datetime) -> CodeRefused:
    return CodeRefused(
        _(
            "Too many wrong codes: code entry is blocked until %(until)s (local time of your "
            "Crous). Wait until then and type the code again, exactly as in the email."
        )
        % {"until": _local(until, limits.time_zone)},
        code="code_entry_blocked",
        status=429,
        extra={
            "blocked_until": until.isoformat(),
            "retry_after_seconds": int((until - now).total_seconds()),
        },
    )


def tenant_code_redeem(
    *, user: User, raw_code: str, ip: str | None = None, now: datetime | None = None
) -> TenantFile:
    """Links ``user``'s account to the tenant file whose code is ``raw_code``.

    Returns the file (also when this account was already linked to it: a double click is
    not an error). Raises ``CodeRefused`` with a message saying what to do otherwise.
    """
    problem = code_input_problem(raw_code)
    if problem is not None:
        raise CodeRefused(
            _input_problem_message(problem, raw_code),
            code=f"code_{problem.value}",
            field="code",
        )
    if _ip_attempts_exceeded(ip):
        raise CodeRefused(
            _(
                "Too many codes were typed from your connection: wait an hour and try again, "
                "or write to your Crous through Assistance."
            ),
            code="too_many_attempts_from_ip",
            status=429,
            extra={"retry_after_seconds": 3600},
        )
    now = now or timezone.now()
    hmac = code_hmac(raw_code)
    # Outside the viewer's scope on purpose: a student not linked yet has no Crous open, and
    # the code itself is what designates the file.
    with scopes_disabled(), transaction.atomic():
        outcome = _redeem(user=user, hmac=hmac, now=now)
    # Raised once the transaction has committed: a refusal must not roll back the counters.
    if isinstance(outcome, CodeRefused):
        raise outcome
    return outcome


def _redeem(*, user: User, hmac: str, now: datetime) -> TenantFile | CodeRefused:
    # Read 1 (rows locked: the link is decided under the lock, so 50 simultaneous correct
    # submissions link once; of=self keeps the lock off the joined Crous row).
    files = list(
        TenantFile.objects.select_for_update(of=("self",))
        .select_related("crous")
        .filter(
            Q(code_hmac=hmac)
            | Q(
                linked_user__isnull=True,
                status=TenantFileStatus.ASSIGNED,
                student__email__iexact=user.email,
            )
        )
    )
    match = next((f for f in files if f.code_hmac == hmac), None)
    waiting = [f for f in files if f is not match]
    account_key = CodeEntryGuard.account_key(user.pk)
    keys = [account_key, *(CodeEntryGuard.file_key(f.pk) for f in files)]
    # Read 2.
    guards = {g.key: g for g in CodeEntryGuard.objects.select_for_update().filter(key__in=keys)}
    limits = _limits(match.crous if match else (waiting[0].crous if waiting else None))

    relevant = [account_key] + (
        [CodeEntryGuard.file_key(match.pk)]
        if match
        else [CodeEntryGuard.file_key(f.pk) for f in waiting]
    )
    blocks = [b for b in (_blocked_until(guards.get(k), now) for k in relevant) if b]
    if blocks:
        return _refuse_blocked(max(blocks), limits, now)

    if match is None:
        _count_failure(keys, guards, limits, now)  # Write.
        account = guards.get(account_key)
        failures = _failures_after(account, now) + 1
        left = limits.max_attempts - failures
        if left <= 0:
            return _refuse_blocked(now + limits.block, limits, now)
        return CodeRefused(
            _("This code is not right. Check it against the email and type it again.")
            + " "
            + ngettext(
                "You have %(left)d attempt left before code entry is blocked for %(duration)s.",
                "You have %(left)d attempts left before code entry is blocked for %(duration)s.",
                left,
            )
            % {"left": left, "duration": _hours(limits.block)},
            code="code_wrong",
            field="code",
            extra={"attempts_left": left},
        )
    return _link(match=match, user=user, now=now, limits=limits)


def _hours(duration: timedelta) -> str:
    hours = int(duration.total_seconds() // 3600)
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def _failures_after(guard: CodeEntryGuard | None, now: datetime) -> int:
    if guard is None or guard.first_failure_at is None:
        return 0
    if now - guard.first_failure_at > FAILURE_MEMORY:
        return 0
    return guard.failures


def _count_failure(
    keys: list[str], guards: dict[str, CodeEntryGuard], limits: _Limits, now: datetime
) -> None:
    rows = []
    for key in keys:
        guard = guards.get(key)
        failures = _failures_after(guard, now) + 1
        first = guard.first_failure_at if guard and failures > 1 else now
        if failures >= limits.max_attempts:
            rows.append(
                CodeEntryGuard(
                    key=key, failures=0, first_failure_at=None, blocked_until=now + limits.block
                )
            )
        else:
            rows.append(
                CodeEntryGuard(
                    key=key,
                    failures=failures,
                    first_failure_at=first,
                    blocked_until=guard.blocked_until if guard else None,
                )
            )
    CodeEntryGuard.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["failures", "first_failure_at", "blocked_until"],
    )


def _link(
    *, match: TenantFile, user: User, now: datetime, limits: _Limits
) -> TenantFile | CodeRefused:
    if match.linked_user_id == user.pk:
        return match
    if match.linked_user_id is not None:
        return CodeRefused(
            _(
                "This code has already linked another account to its accommodation. If you "
                "lost access to that account (changed email, forgotten password), write to "
                "your Crous through Assistance with your name, INE and residence: staff will "
                "check them and restore your access."
            ),
            code="code_already_used",
            status=409,
        )
    if match.status not in (TenantFileStatus.ASSIGNED, TenantFileStatus.ACTIVE):
        return CodeRefused(
            _("This accommodation's file has ended: its code can no longer be used."),
            code="file_ended",
            status=409,
        )
    if match.code_expires_at is not None and match.code_expires_at <= now:
        return CodeRefused(
            _(
                "This code expired on %(when)s. Ask your Crous for a new one through "
                "Assistance (“Code resend”): the new code will replace this one."
            )
            % {"when": _local(match.code_expires_at, limits.time_zone)},
            code="code_expired",
            status=410,
            extra={"expired_at": match.code_expires_at.isoformat()},
        )
    match.linked_user = user
    match.linked_at = now
    match.status = TenantFileStatus.ACTIVE
    record_author(match, user, "account linked with the tenant code")
    match.save(update_fields=["linked_user", "linked_at", "status", "updated_at"])  # Write.
    return match


def redemption_explanation(refusal: CodeRefused) -> dict[str, Any]:
    """What the student pages and the API show for a refusal."""
    return {"code": refusal.code, "message": refusal.message, **refusal.extra}
