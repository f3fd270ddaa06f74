"""The one French-mobile check used by every entry point that takes a phone number."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from crous_admin.phone import french_mobile

INVALID = ["12", "0000", "pas un numéro", "06 12", "+44 7700 900123"]
LANDLINES = ["01 45 67 89 01", "+33 5 56 33 92 00", "0262 21 00 00"]
VALID = [
    ("06 12 34 56 78", "+33612345678"),
    ("+33 7 45 12 34 56", "+33745123456"),
    ("0033 6 12 34 56 78", "+33612345678"),
    ("0692 12 34 56", "+262692123456"),  # La Réunion, national writing
    ("+262 693 12 34 56", "+262693123456"),
    ("+262 639 00 12 34", "+262639001234"),  # Mayotte
    ("0639 00 12 34", "+262639001234"),
    ("+590 690 12 34 56", "+590690123456"),  # Guadeloupe
    ("0690 12 34 56", "+590690123456"),
    ("+594 694 12 34 56", "+594694123456"),  # Guyane
    ("+596 696 12 34 56", "+596696123456"),  # Martinique
]


@pytest.mark.parametrize("raw", INVALID)
def test_what_is_not_a_french_number_is_refused_with_an_example_of_one(raw):
    with pytest.raises(ValidationError) as caught:
        french_mobile(raw)

    assert caught.value.code == "invalid_phone"
    assert "06 12 34 56 78" in caught.value.messages[0]


@pytest.mark.parametrize("raw", LANDLINES)
def test_a_landline_is_refused_because_the_sms_needs_a_mobile(raw):
    with pytest.raises(ValidationError) as caught:
        french_mobile(raw)

    assert caught.value.code == "not_a_mobile"


@pytest.mark.parametrize(("raw", "e164"), VALID)
def test_mainland_and_overseas_mobiles_are_kept_in_e164(raw, e164):
    assert french_mobile(raw) == e164


def test_the_error_is_in_french_for_french_readers():
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        french_mobile("12")

    assert "Saisissez un numéro de mobile français" in caught.value.messages[0]
