"""One error format for the whole API.

Every error answers ``{"error": {"code", "message", "fields"?, "details"?}}``:
``code`` is stable for programs, ``message`` is for people (in the request's language) and
says what to do next, ``fields`` maps input names to their messages on validation errors.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from crous_admin.errors import ApplicationError


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    # DRF's serializer metaclass takes declared fields off the class, so this one does not
    # hide ``Serializer.fields``; the stubs cannot know that.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    details = serializers.DictField(required=False)


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documented on each endpoint)."""

    error = ErrorBodySerializer()


def _body(code: str, message: str, **more: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **{k: v for k, v in more.items() if v}}}


def _flatten(detail: Any) -> dict[str, list[str]]:
    # Django names errors of the whole object "__all__", DRF "non_field_errors": one name here.
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    if isinstance(detail, dict):
        return {
            (non_field if k == NON_FIELD_ERRORS else str(k)): [
                str(m) for m in (v if isinstance(v, list) else [v])
            ]
            for k, v in detail.items()
        }
    if isinstance(detail, list):
        return {non_field: [str(m) for m in detail]}
    return {non_field: [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        fields = {exc.field: [exc.message]} if exc.field else None
        response = Response(
            _body(exc.code, exc.message, fields=fields, details=exc.extra), status=exc.status
        )
        retry_after = exc.extra.get("retry_after_seconds")
        if exc.status == status.HTTP_429_TOO_MANY_REQUESTS and retry_after is not None:
            # As DRF does for its own throttling: clients wait without parsing the body.
            response["Retry-After"] = str(max(int(retry_after), 1))
        return response
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    handled = drf_exception_handler(exc, context)
    if handled is None:
        return None
    response = handled
    if isinstance(exc, exceptions.ValidationError):
        response.data = _body(
            "invalid",
            _("Some fields are not valid: correct them and send the request again."),
            fields=_flatten(exc.detail),
        )
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = detail.code if hasattr(detail, "code") else exc.default_code
        details = (
            # ``wait`` is set by Throttled's constructor; the stubs do not declare it.
            {"retry_after_seconds": getattr(exc, "wait", None)}
            if isinstance(exc, exceptions.Throttled)
            else None
        )
        response.data = _body(str(code), str(detail), details=details)
    if response.status_code == status.HTTP_404_NOT_FOUND:
        # Same answer for "does not exist" and "not yours": nothing to learn from a 404.
        response.data = _body("not_found", _("Not found."))
    return response
