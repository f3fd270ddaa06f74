"""OpenAPI schema: generation outside any Crous scope, documented errors, custom fields."""

from __future__ import annotations

from typing import Any

from django_scopes import scopes_disabled
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiResponse

from crous_admin.api.errors import ErrorSerializer


class ScopesDisabledSchemaGenerator(SchemaGenerator):
    """Builds the OpenAPI schema outside any Crous scope.

    Filter sets and serializers touch scoped querysets (choices of foreign keys) while the
    schema is generated, which happens without a request user.
    """

    def get_schema(self, *args: Any, **kwargs: Any) -> Any:
        with scopes_disabled():
            return super().get_schema(*args, **kwargs)


class NestedPrimaryKeyRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """An id in requests, the ``summary`` serializer in responses."""

    target_class = "crous_admin.api.fields.NestedPrimaryKeyRelatedField"

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        if direction == "request":
            return auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        component = auto_schema.resolve_serializer(self.target.summary, direction)
        return component.ref


ERROR_DESCRIPTIONS = {
    400: "Invalid input or query parameters: `error.fields` names each field at fault.",
    401: "No credentials, or invalid ones (session cookie or `Authorization: Token …`).",
    403: "Authenticated, but the role does not allow this action.",
    404: "No such object in the Crous visible to the caller (or no such page).",
    409: "The action conflicts with the current state: `error.message` says what to do.",
    429: "Too many requests: wait `error.details.retry_after_seconds`.",
}


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation, all in the one error format.

    Use in ``@extend_schema(responses={200: Serializer, **error_responses(400, 401, 404)})``.
    """
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in status_codes
    }


# The answers every kind of operation can give, before any business rule (409) is added.
LIST_ERRORS = (400, 401, 403, 404)  # 400 bad filter, 401 bad token, 404 page out of range
READ_ERRORS = (401, 403, 404)
CREATE_ERRORS = (400, 401, 403)
UPDATE_ERRORS = (400, 401, 403, 404)
