"""What a tenant file's change page shows of its code and account link, and its action buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenants.models import CURRENT_STATUSES, CodeEntryGuard, TenantFile
from tenants.permissions import may_transfer_from
from tenants.selectors import tenant_file_code_guard

if TYPE_CHECKING:
    from residences.models import Crous

#: Read-only fields of the change page's "Tenant code and account" section.
CODE_READONLY_FIELDS = (
    "linked_account",
    "linked_at_local",
    "code_issued_local",
    "code_expires_local",
    "code_delivery",
    "code_handed_over",
    "code_entry_guard",
)


def local_datetime(moment: datetime | None, crous: Crous) -> str:
    """``moment`` in the Crous' own time zone, named: deadlines are the Crous' local time."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment, crous.time_zone)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({crous.time_zone})"


class TenantFileCodeStateMixin:
    """The code's state (read-only fields) and the buttons of the actions on the change page."""

    # Provided by ModelAdmin.
    admin_site: admin.AdminSite
    opts: Any
    has_change_permission: Callable[..., bool]

    def _guard(self, obj: TenantFile) -> CodeEntryGuard | None:
        if not hasattr(obj, "_code_guard"):
            obj._code_guard = tenant_file_code_guard(tenant_file_id=obj.pk)  # type: ignore[attr-defined]
        return obj._code_guard  # type: ignore[attr-defined]

    @admin.display(description=_("linked"), boolean=True, ordering="linked_user")
    def linked(self, obj: TenantFile) -> bool:
        return obj.linked_user_id is not None

    @admin.display(description=_("linked account"))
    def linked_account(self, obj: TenantFile) -> str:
        return obj.linked_user.email if obj.linked_user else gettext("Not linked")

    @admin.display(description=_("linked at"))
    def linked_at_local(self, obj: TenantFile) -> str:
        return local_datetime(obj.linked_at, obj.crous)

    @admin.display(description=_("code issued at"))
    def code_issued_local(self, obj: TenantFile) -> str:
        return local_datetime(obj.code_issued_at, obj.crous)

    @admin.display(description=_("code expires at"))
    def code_expires_local(self, obj: TenantFile) -> str:
        return local_datetime(obj.code_expires_at, obj.crous)

    @admin.display(description=_("code handed over"))
    def code_handed_over(self, obj: TenantFile) -> str:
        if obj.code_handed_over_at is None:
            return "—"
        by = obj.code_handed_over_by.email if obj.code_handed_over_by else "—"
        return gettext("%(when)s, by %(by)s") % {
            "when": local_datetime(obj.code_handed_over_at, obj.crous),
            "by": by,
        }

    @admin.display(description=_("wrong codes typed"))
    def code_entry_guard(self, obj: TenantFile) -> str:
        guard = self._guard(obj)
        if guard is None:
            return gettext("None")
        now = timezone.now()
        if guard.blocked_until and guard.blocked_until > now:
            return format_html(
                "<strong>{}</strong>",
                gettext("Code entry blocked until %(until)s")
                % {"until": local_datetime(guard.blocked_until, obj.crous)},
            )
        return gettext("%(count)d wrong code(s) since %(since)s") % {
            "count": guard.failures,
            "since": local_datetime(guard.first_failure_at, obj.crous),
        }

    def _available_actions(self, request: HttpRequest, obj: TenantFile) -> list[tuple[str, str]]:
        if not self.has_change_permission(request, obj):
            return []
        current = obj.status in CURRENT_STATUSES
        offered = {
            "resend_code": (_("Resend the code"), current),
            "hand_over_code": (_("Hand over in person"), current),
            "unlink": (_("Unlink the account"), obj.linked_user_id is not None),
            "relink": (_("Link to an account"), current and obj.linked_user_id is None),
            "change_unit": (_("Change unit"), current),
            "transfer": (
                _("Transfer to another Crous"),
                current and may_transfer_from(request.user, obj.crous_id),
            ),
            "unblock_code_entry": (_("Unblock code entry"), self._guard(obj) is not None),
        }
        return [
            (str(label), self._action_url(name, obj))
            for name, (label, shown) in offered.items()
            if shown
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if change and obj is not None:
            context["tenant_file_actions"] = self._available_actions(request, obj)
        return super().render_change_form(  # type: ignore[misc]
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def _action_url(self, name: str, obj: TenantFile) -> str:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return reverse(f"admin:{prefix}_{name}", args=[obj.pk], current_app=self.admin_site.name)

    def _change_url(self, obj: TenantFile) -> str:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return reverse(f"admin:{prefix}_change", args=[obj.pk], current_app=self.admin_site.name)
