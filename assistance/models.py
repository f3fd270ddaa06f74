"""Assistance: the tickets students (and people who lost access) write to their Crous.

A ticket belongs to one Crous (``ScopedManager(crous=...)``, docs/adr/0002-per-crous-scoping.md)
and holds a thread of messages, some of them staff-only internal notes, with attachments.
The lost-access form of someone who cannot log in is a ``LostAccessRequest`` until its
contact address is confirmed; only then does it become a ticket in the queue. Every staff
action on a ticket leaves a ``TicketEvent`` (the ticket's audit trail); the row's own changes
are also kept by django-simple-history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from residences.models import Crous, Residence
from tenants.models import Student, TenantFile


class TicketCategory(models.TextChoices):
    CODE_RESEND = "code_resend", _("Activation code resend")
    LOST_ACCESS = "lost_access", _("Lost access (changed email, forgotten password)")
    TRANSFER = "transfer", _("Transfer between Crous")
    RENEWAL = "renewal", _("Renewal")
    PAYMENT = "payment", _("Payment / APL")
    OTHER = "other", _("Other")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on the student")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


#: Statuses in which the Crous owes an answer: only these have a running due time.
AWAITING_STAFF = (TicketStatus.NEW, TicketStatus.OPEN)
#: Statuses counted in the backlog and shown in the queue by default.
UNFINISHED = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)


class Ticket(models.Model):
    crous = models.ForeignKey(
        Crous, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("Crous")
    )
    residence = models.ForeignKey(
        Residence,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("residence"),
    )
    category = models.CharField(_("category"), max_length=16, choices=TicketCategory.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    subject = models.CharField(_("subject"), max_length=200)
    # Who asked: an account (student pages, API), or only a name and an address (lost access).
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assistance_tickets",
        verbose_name=_("requester account"),
    )
    requester_name = models.CharField(_("name given"), max_length=200, blank=True)
    requester_email = models.EmailField(_("contact email"))
    requester_ine = models.CharField(_("INE given"), max_length=11, blank=True, db_index=True)
    residence_given = models.CharField(_("residence given"), max_length=200, blank=True)
    student = models.ForeignKey(
        Student,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("student record"),
    )
    tenant_file = models.ForeignKey(
        TenantFile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("tenant file"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    due_at = models.DateTimeField(
        _("answer due"),
        null=True,
        blank=True,
        help_text=_("Counted in business days of the Crous; empty while the student has the hand."),
    )
    first_response_at = models.DateTimeField(_("first answer at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    is_duplicate = models.BooleanField(
        _("possible duplicate"),
        default=False,
        help_text=_("The same INE wrote to several Crous."),
    )
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=200, null=True, blank=True, unique=True
    )

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["due_at", "id"]
        permissions = [
            (
                "act_on_tenant_file",
                _("Act on the tenant file from a ticket (code, account, transfer)"),
            ),
            ("view_dashboard", _("View the Assistance dashboard")),
        ]
        indexes = [
            # The queue: one Crous, one status, oldest due first (and the overdue range).
            models.Index(fields=["crous", "status", "due_at", "id"], name="ticket_queue_idx"),
            models.Index(fields=["status", "due_at", "id"], name="ticket_queue_all_idx"),
            models.Index(fields=["crous", "created_at"], name="ticket_crous_created_idx"),
            models.Index(fields=["assigned_to", "status"], name="ticket_assignee_idx"),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=AWAITING_STAFF) | Q(due_at__isnull=False),
                name="ticket_due_while_awaiting_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class AuthorKind(models.TextChoices):
    STUDENT = "student", _("Student")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")


class TicketMessage(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    author_kind = models.CharField(_("from"), max_length=8, choices=AuthorKind.choices)
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Seen by staff only.")
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = ScopedManager(crous="ticket__crous")

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketmsg_thread_idx")]

    def __str__(self) -> str:
        return f"#{self.ticket_id}/{self.pk}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is never the uploaded one: no path tricks, no guessing by name.
    import secrets
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()
    return f"assistance/{instance.message.ticket_id}/{secrets.token_hex(16)}{suffix}"


class Attachment(models.Model):
    message = models.ForeignKey(
        TicketMessage,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("message"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))

    objects = ScopedManager(crous="message__ticket__crous")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class TicketEvent(models.Model):
    """One line of a ticket's audit trail: who did what, when, with what outcome."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CLAIMED = "claimed", _("Claimed")
        ASSIGNED = "assigned", _("Assigned")
        STATUS = "status", _("Status changed")
        REPLIED = "replied", _("Replied")
        NOTE = "note", _("Internal note")
        STUDENT_REPLIED = "student_replied", _("Student replied")
        IDENTITY_CHECKED = "identity_checked", _("Identity checked")
        CODE_RESENT = "code_resent", _("Code resent")
        ACCOUNT_RELINKED = "account_relinked", _("Account relinked")
        TRANSFER_STARTED = "transfer_started", _("Transfer started")
        MOVED = "moved", _("Moved to another Crous")
        ESCALATED = "escalated", _("Escalated (overdue)")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = ScopedManager(crous="ticket__crous")

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind}"


class CannedReply(models.Model):
    """A prepared answer of one Crous; ``{first_name}``, ``{ticket}``, ``{crous}``,
    ``{due_date}`` and ``{agent}`` are replaced when it is used."""

    crous = models.ForeignKey(
        Crous, on_delete=models.CASCADE, related_name="canned_replies", verbose_name=_("Crous")
    )
    title = models.CharField(_("title"), max_length=120)
    category = models.CharField(
        _("category"), max_length=16, choices=TicketCategory.choices, blank=True
    )
    body = models.TextField(
        _("text"),
        help_text=_(
            "Variables: {first_name}, {ticket}, {crous}, {due_date}, {agent}. Unknown ones "
            "are left as typed."
        ),
    )

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["crous", "title"]
        constraints = [
            models.UniqueConstraint(fields=["crous", "title"], name="canned_reply_title_unique")
        ]

    def __str__(self) -> str:
        return self.title


class LostAccessRequest(models.Model):
    """The public lost-access form, until its contact address is confirmed.

    Not in the queue: staff never see unconfirmed requests (anybody can type anything into
    a public form). Confirming the link sent to ``email`` turns it into a ticket, once.
    """

    crous = models.ForeignKey(
        Crous, on_delete=models.CASCADE, related_name="+", verbose_name=_("Crous")
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    ine = models.CharField(_("INE"), max_length=11)
    residence = models.CharField(_("assigned residence"), max_length=200)
    email = models.EmailField(_("contact email"))
    body = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ticket = models.OneToOneField(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(crous="crous")

    class Meta:
        verbose_name = _("lost-access request")
        verbose_name_plural = _("lost-access requests")

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name} ({self.ine})"
