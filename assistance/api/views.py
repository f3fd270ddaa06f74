"""Assistance in the API: the staff queue and its actions, a student's own tickets.

Staff (``/tickets/``): the scoped queue with the back-office's filters; every action needs
``change_ticket`` in the ticket's Crous, the actions on the tenant file
``act_on_tenant_file`` there (and, for a transfer, in the target Crous too).
Students (``/me/tickets/``): the caller's own tickets, whatever their roles.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from assistance import selectors
from assistance.api.filters import PARAMETERS, QueueFilterBackend
from assistance.api.serializers import (
    AssignSerializer,
    BodySerializer,
    IdentityResultSerializer,
    MoveSerializer,
    StaffReplySerializer,
    StatusSerializer,
    StudentTicketDetailSerializer,
    StudentTicketSerializer,
    TenantFileRefSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TransferSerializer,
    queue_rows_render,
)
from assistance.models import AWAITING_STAFF, Ticket
from assistance.services import opening, recovery, staff_actions, threads
from crous_admin.accounts.models import User
from crous_admin.api.permissions import CrousModelPermissions, IsCrousStaff
from crous_admin.api.schema import LIST_ERRORS, READ_ERRORS, error_responses
from crous_admin.api.views import CrousScopedReadOnlyViewSet, request_user
from crous_admin.errors import ApplicationError
from residences.models import Crous, HousingUnit
from tenants.models import TenantFile

STAFF_ONLY = [IsCrousStaff & CrousModelPermissions]
CHANGE = ["%(app_label)s.change_%(model_name)s"]
ACT = ["%(app_label)s.change_%(model_name)s", "assistance.act_on_tenant_file"]
ACTION_ERRORS = error_responses(400, *READ_ERRORS, 409)


def _detail(ticket: Ticket, request: Request) -> Response:
    ticket = selectors.ticket_detail_queryset().get(pk=ticket.pk)
    thread = selectors.thread_of(ticket, include_internal=True)
    return Response(
        TicketDetailSerializer(ticket, context={"request": request, "thread": thread}).data
    )


@extend_schema_view(
    list=extend_schema(
        parameters=PARAMETERS,
        responses={200: TicketSerializer, **error_responses(*LIST_ERRORS)},
    ),
    retrieve=extend_schema(
        responses={200: TicketDetailSerializer, **error_responses(*READ_ERRORS)}
    ),
)
class TicketViewSet(CrousScopedReadOnlyViewSet):
    """The Assistance queue of the caller's Crous, oldest due first."""

    serializer_class = TicketSerializer
    permission_classes = STAFF_ONLY
    filter_backends = [QueueFilterBackend, OrderingFilter]
    ordering_fields = ["due_at", "created_at", "updated_at"]
    ordering = ["due_at", "id"]
    action_permissions = {
        "claim": CHANGE,
        "assign": CHANGE,
        "set_status": CHANGE,
        "reply": CHANGE,
        "note": CHANGE,
        "move": CHANGE,
        "verify_identity": ACT,
        "resend_code": ACT,
        "relink": ACT,
        "transfer": ACT,
    }

    def get_queryset(self) -> Any:
        return selectors.tickets_for_queue()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Rows as values, rendered by ``queue_rows_render`` (what TicketSerializer gives).
        queryset = self.filter_queryset(selectors.tickets_for_queue_rows())
        page = self.paginate_queryset(queryset)
        # Rows of ``values()``: dicts, which the stubs type as the model's instances.
        return self.get_paginated_response(queue_rows_render(list(page or [])))  # type: ignore[arg-type]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _detail(self.get_object(), request)

    def _file(self, ticket: Ticket, data: dict[str, Any]) -> TenantFile:
        return get_object_or_404(
            TenantFile.objects.all(), pk=data["tenant_file"], crous_id=ticket.crous_id
        )

    @extend_schema(request=None, responses={200: TicketDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        """Assigns the ticket to the caller (409 when someone else has it)."""
        ticket = staff_actions.ticket_claim(by=request_user(request), ticket=self.get_object())
        return _detail(ticket, request)

    @extend_schema(
        request=AssignSerializer, responses={200: TicketDetailSerializer, **ACTION_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Assigns the ticket to a staff member of its Crous, by email (empty: unassign)."""
        ticket = self.get_object()
        params = AssignSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        email = params.validated_data.get("assignee") or ""
        to = User.objects.filter(email__iexact=email).first() if email else None
        if email and to is None:
            raise ApplicationError(_("No account uses this address."), field="assignee")
        return _detail(
            staff_actions.ticket_assign(by=request_user(request), ticket=ticket, to=to), request
        )

    @extend_schema(
        request=StatusSerializer, responses={200: TicketDetailSerializer, **ACTION_ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        """Moves the ticket along the workflow (409 for a transition the workflow refuses)."""
        ticket = self.get_object()
        params = StatusSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        ticket = staff_actions.ticket_set_status(
            by=request_user(request), ticket=ticket, status=params.validated_data["status"]
        )
        return _detail(ticket, request)

    @extend_schema(
        request=StaffReplySerializer, responses={200: TicketDetailSerializer, **ACTION_ERRORS}
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def reply(self, request: Request, pk: str | None = None) -> Response:
        """A reply the student sees and is emailed (files: multipart ``attachments``)."""
        ticket = self.get_object()
        params = StaffReplySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        staff_actions.ticket_staff_reply(
            by=request_user(request),
            ticket=ticket,
            body=params.validated_data["body"],
            status_after=params.validated_data["status_after"],
            uploads=request.FILES.getlist("attachments"),
        )
        return _detail(ticket, request)

    @extend_schema(request=BodySerializer, responses={200: TicketDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def note(self, request: Request, pk: str | None = None) -> Response:
        """An internal note, seen by staff only."""
        ticket = self.get_object()
        params = BodySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        staff_actions.ticket_add_note(
            by=request_user(request),
            ticket=ticket,
            body=params.validated_data["body"],
            uploads=request.FILES.getlist("attachments"),
        )
        return _detail(ticket, request)

    @extend_schema(request=None, responses={200: IdentityResultSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path="verify-identity")
    def verify_identity(self, request: Request, pk: str | None = None) -> Response:
        """Which of name, INE and residence given match a tenant file of the Crous."""
        matches = recovery.ticket_verify_identity(
            by=request_user(request), ticket=self.get_object()
        )
        return Response({"matches": [m.as_detail() for m in matches]})

    @extend_schema(
        request=TenantFileRefSerializer, responses={200: TicketDetailSerializer, **ACTION_ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="resend-code")
    def resend_code(self, request: Request, pk: str | None = None) -> Response:
        """Emails a fresh code for the file; the previous code stops working."""
        ticket = self.get_object()
        params = TenantFileRefSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        recovery.ticket_resend_code(
            by=request_user(request),
            ticket=ticket,
            tenant_file=self._file(ticket, params.validated_data),
        )
        return _detail(ticket, request)

    @extend_schema(
        request=TenantFileRefSerializer, responses={200: TicketDetailSerializer, **ACTION_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def relink(self, request: Request, pk: str | None = None) -> Response:
        """Links the student's current account to the file once identity was verified
        (409 ``identity_not_verified`` before)."""
        ticket = self.get_object()
        params = TenantFileRefSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        recovery.ticket_relink_account(
            by=request_user(request),
            ticket=ticket,
            tenant_file=self._file(ticket, params.validated_data),
        )
        return _detail(ticket, request)

    @extend_schema(
        request=TransferSerializer, responses={200: TicketDetailSerializer, **ACTION_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str | None = None) -> Response:
        """Starts a transfer of the file to another Crous' unit (rights needed in both)."""
        ticket = self.get_object()
        params = TransferSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        with scopes_disabled():
            unit: HousingUnit = get_object_or_404(
                HousingUnit.objects.select_related("residence"), pk=data["unit"]
            )
        self.check_crous_permission(unit.residence.crous_id)
        recovery.ticket_start_transfer(
            by=request_user(request),
            ticket=ticket,
            tenant_file=self._file(ticket, data),
            unit=unit,
            start_date=data["start_date"],
            end_date=data["end_date"],
        )
        return _detail(ticket, request)

    @extend_schema(request=MoveSerializer, responses={200: TicketSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Moves the ticket to another Crous' queue (a duplicate, or the wrong Crous)."""
        ticket = self.get_object()
        params = MoveSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with scopes_disabled():
            crous: Crous = get_object_or_404(Crous.objects.all(), pk=params.validated_data["crous"])
            ticket = recovery.ticket_move_to_crous(
                by=request_user(request), ticket=ticket, crous=crous
            )
            ticket = selectors.tickets_for_queue().get(pk=ticket.pk)
        return Response(TicketSerializer(ticket, context={"request": request}).data)


@extend_schema_view(
    list=extend_schema(
        summary="The caller's own Assistance requests",
        responses={200: StudentTicketSerializer, **error_responses(401, 404)},
    ),
    retrieve=extend_schema(
        summary="One of the caller's requests, with its thread and expected answer time",
        responses={200: StudentTicketDetailSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Write to a Crous",
        request=TicketCreateSerializer,
        responses={
            201: StudentTicketDetailSerializer,
            **error_responses(400, 401, 403, 404, 429),
        },
    ),
)
class MyTicketViewSet(mixins.CreateModelMixin, CrousScopedReadOnlyViewSet):
    """``/me/tickets/``: the caller's requests, newest first; another account's is a 404."""

    serializer_class = StudentTicketSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list[Any] = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Ticket.objects.none()
        return selectors.tickets_of_student(user=request_user(self.request))

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return TicketCreateSerializer
        if self.action == "reply":
            return BodySerializer
        return super().get_serializer_class()

    def get_object(self) -> Ticket:
        ticket = selectors.ticket_of_student(
            user=request_user(self.request), pk=int(self.kwargs["pk"])
        )
        if ticket is None:
            raise Http404
        return ticket

    def _detail(self, ticket: Ticket, **kwargs: Any) -> Response:
        estimate = None
        if ticket.status in AWAITING_STAFF:
            estimate = selectors.expected_answer(crous=ticket.crous, category=ticket.category)
        context = {
            "request": self.request,
            "thread": selectors.thread_of(ticket, include_internal=False),
            "estimate": estimate,
        }
        return Response(StudentTicketDetailSerializer(ticket, context=context).data, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with scopes_disabled():
            return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = TicketCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        with scopes_disabled():
            crous: Crous = get_object_or_404(Crous.objects.filter(is_active=True), pk=data["crous"])
        opening.student_ticket_quota_check(user=request_user(request))
        ticket = opening.ticket_open(
            crous=crous,
            category=data["category"],
            subject=data["subject"],
            body=data["body"],
            requester=request_user(request),
            uploads=request.FILES.getlist("attachments"),
        )
        with scopes_disabled():
            ticket = selectors.tickets_of_student(user=request_user(request)).get(pk=ticket.pk)
            return self._detail(ticket, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Answer in one's request (reopens it when it waited on the student)",
        request=BodySerializer,
        responses={200: StudentTicketDetailSerializer, **error_responses(400, 401, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        params = BodySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        threads.ticket_student_reply(
            ticket=ticket,
            user=request_user(request),
            body=params.validated_data["body"],
            uploads=request.FILES.getlist("attachments"),
        )
        with scopes_disabled():
            ticket = selectors.tickets_of_student(user=request_user(request)).get(pk=ticket.pk)
            return self._detail(ticket)
