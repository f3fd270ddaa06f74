from __future__ import annotations

from typing import Any

from django_scopes import scopes_disabled
from drf_spectacular.generators import SchemaGenerator


class ScopesDisabledSchemaGenerator(SchemaGenerator):
    """Builds the OpenAPI schema outside any Crous scope.

    Filter sets and serializers touch scoped querysets (choices of foreign keys) while the
    schema is generated, which happens without a request user.
    """

    def get_schema(self, *args: Any, **kwargs: Any) -> Any:
        with scopes_disabled():
            return super().get_schema(*args, **kwargs)
