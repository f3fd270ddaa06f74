"""The forms of the queue's bulk actions and of a ticket's page."""

from __future__ import annotations

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext_lazy as _

from assistance.models import TicketStatus
from assistance.portal.forms import MultipleFileField


class TicketActionForm(ActionForm):
    assignee = forms.EmailField(
        label=_("assign to (email)"),
        required=False,
        help_text=_("For “Assign to…”: a staff member of the tickets' Crous."),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply to the student"), widget=forms.Textarea(attrs={"rows": 6})
    )
    status_after = forms.ChoiceField(
        label=_("then"),
        choices=[
            (TicketStatus.WAITING, _("wait for the student")),
            (TicketStatus.RESOLVED, _("mark resolved")),
            (TicketStatus.OPEN, _("keep open")),
        ],
        initial=TicketStatus.WAITING,
    )
    attachments = MultipleFileField(label=_("Attachments"))


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note (staff only)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    attachments = MultipleFileField(label=_("Attachments"))


class AssignForm(forms.Form):
    assignee = forms.EmailField(label=_("assign to (email)"), required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=TicketStatus.choices)


class FileForm(forms.Form):
    tenant_file = forms.IntegerField(widget=forms.HiddenInput)


class MoveForm(forms.Form):
    crous = forms.IntegerField(label=_("Crous"))
