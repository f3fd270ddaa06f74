"""Serializer fields shared by every API of the project."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from operator import attrgetter
from typing import Any

from rest_framework import serializers

Renderer = Callable[[Any], dict[str, Any]]
# Fields whose output depends on the attribute alone (no context, no request).
_PLAIN_FIELDS: tuple[type[serializers.Field], ...] = (
    serializers.CharField,
    serializers.IntegerField,
    serializers.BooleanField,
)


def _plain_renderer(serializer: serializers.Serializer) -> Renderer | None:
    """A function giving what ``serializer.to_representation`` gives, for serializers made of
    plain fields and nested plain serializers; None for anything else."""
    parts: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.Serializer) and not isinstance(
            field, serializers.ListSerializer
        ):
            nested = _plain_renderer(field)
            if nested is None:
                return None
            parts.append((name, attrgetter(field.source or name), nested))
        elif isinstance(field, _PLAIN_FIELDS) and field.source != "*":
            parts.append((name, attrgetter(field.source or name), field.to_representation))
        else:
            return None

    def render(value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, get, represent in parts:
            attribute = get(value)
            out[name] = None if attribute is None else represent(attribute)
        return out

    return render


@cache
def summary_renderer(summary: type[serializers.Serializer]) -> Renderer:
    """How a summary is rendered, worked out once per process.

    Summaries appear on every row of every list, often several per row: going through DRF's
    field machinery for each (fields bound per instance, one generator per row) cost a
    quarter of a list's time. A summary made of plain fields is rendered by a direct
    attribute read instead; any other summary by one shared serializer instance.
    """
    serializer = summary(context={})
    return _plain_renderer(serializer) or serializer.to_representation


class NestedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key written as the related row's id and read as a small object.

    ``{"residence": 12}`` in a request, ``{"residence": {"id": 12, "name": …}}`` in the answer:
    one name per relation, and clients need no second call to show it. Pass the related
    model's *manager* as ``queryset`` (``Residence.objects``, not ``.all()``): the choices are
    then built per request, inside the caller's Crous scope, so a row of another Crous is
    "invalid pk" rather than a leak. Select the related rows in the view's queryset.

    The OpenAPI schema shows an integer in requests and ``summary`` in responses
    (``crous_admin.api.schema``).
    """

    def __init__(self, *, summary: type[serializers.Serializer], **kwargs: Any) -> None:
        self.summary = summary
        super().__init__(**kwargs)

    def use_pk_only_optimization(self) -> bool:
        return False

    def to_representation(self, value: Any) -> Any:
        return summary_renderer(self.summary)(value)

    def get_choices(self, cutoff: int | None = None) -> dict[Any, str]:
        # The browsable API's forms key choices by what is written: the id.
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {item.pk: self.display_value(item) for item in queryset}
