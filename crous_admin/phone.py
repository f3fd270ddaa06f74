"""French mobile numbers: the one check every entry point uses (forms, API, CSV import, admin).

A number is accepted only if an SMS can reach it: a *mobile* number of France or of an
overseas department or collectivity (+33 6/7, +262 692/693 La Réunion, +262 639 Mayotte,
+590 690 Guadeloupe, +594 694 Guyane, +596 696 Martinique, +508, +687, +689, +681).
Accepting anything that merely looks like a number ("12", a landline) let the renewal page
promise an SMS that the provider then refused.

Students of overseas Crous write their mobiles in national format (0692…, 0690…), which is
the mainland's format too: a number with the trunk prefix 0 that is not a mainland mobile
is tried in each overseas region. The value kept is E.164 (``+262692123456``).
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber
from rest_framework import serializers

# Regions numbered in the French plan, or dialled with the trunk prefix 0 like the mainland.
FRENCH_REGIONS = frozenset({"FR", "RE", "YT", "GP", "BL", "MF", "MQ", "GF", "PM", "NC", "PF", "WF"})
_NATIONAL_FORMAT_REGIONS = ("FR", "RE", "YT", "GP", "MQ", "GF", "PM")
_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
_SEPARATORS = re.compile(r"[\s.\-()/]")
_MAINLAND = re.compile(r"^(?:0|\+33|0033)([1-9]\d{8})$")

INVALID_MESSAGE = _(
    "Enter a French mobile number, e.g. 06 12 34 56 78 or +33 6 12 34 56 78 (overseas: "
    "+262 692…, +262 639…, +590 690…, +594 694…, +596 696…)."
)
LANDLINE_MESSAGE = _(
    "This is not a mobile number: the SMS needs a mobile, e.g. 06 12 34 56 78 or "
    "+33 7 12 34 56 78 (overseas: +262 692…, +590 690…)."
)


def _parsed(raw: str) -> phonenumbers.PhoneNumber | None:
    text = _SEPARATORS.sub("", raw)
    # The usual case, 06 12 34 56 78 or +33 6 12 34 56 78, without phonenumbers' general
    # parser (three quarters of its cost, felt by a 100,000-line import); validity decides.
    match = _MAINLAND.match(text)
    if match is not None:
        number = phonenumbers.PhoneNumber(country_code=33, national_number=int(match.group(1)))
        if phonenumbers.is_valid_number(number):
            return number
    if text.startswith("00"):
        text = "+" + text[2:]
    regions = _NATIONAL_FORMAT_REGIONS if text.startswith("0") else ("FR",)
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return number
    return None


def french_mobile(value: object) -> str:
    """``value`` as an E.164 French mobile number (``+33612345678``).

    Raises ``ValidationError`` (code ``invalid_phone`` or ``not_a_mobile``) with a message
    saying what a valid number looks like.
    """
    raw = str(value or "").strip()
    number = _parsed(raw) if raw else None
    if number is None or phonenumbers.region_code_for_number(number) not in FRENCH_REGIONS:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValidationError(LANDLINE_MESSAGE, code="not_a_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def french_mobile_or_none(value: object) -> str | None:
    """``french_mobile(value)``, or None when it is not one (for callers that skip it)."""
    try:
        return french_mobile(value)
    except ValidationError:
        return None


def validate_french_mobile(value: object) -> None:
    """A validator (model, form or serializer field) for ``french_mobile``."""
    if value not in (None, ""):
        french_mobile(value)


class FrenchMobileFormField(forms.CharField):
    """A form field taking a French mobile in any usual writing; cleans to E.164 (or "")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, PhoneNumber):
            return value.as_e164 if value.is_valid() else str(value.raw_input)
        return value

    def to_python(self, value: Any) -> str:
        text = super().to_python(self.prepare_value(value))
        return french_mobile(text) if text else ""


class FrenchMobileSerializerField(serializers.CharField):
    """The API's field for a French mobile: any usual writing in, E.164 out."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "help_text",
            "French mobile number (mainland or overseas), any usual writing; "
            "returned in E.164, e.g. +33612345678.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        if not text:
            return ""
        try:
            return french_mobile(text)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc

    def to_representation(self, value: Any) -> str:
        if isinstance(value, PhoneNumber):
            return value.as_e164 if value.is_valid() else str(value.raw_input or "")
        return str(value or "")
