"""The INE (Identifiant National Étudiant): normalising and checking its 11 characters.

Five families are in use. Only the BEA family has a public check key, which is enforced;
the others are checked for shape. A Base-36 INE whose key cannot be verified is accepted
(its algorithm is not published) — ``ine_family`` tells callers which family matched.
"""

from __future__ import annotations

import re
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BEA_KEY_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ"


class IneFamily(StrEnum):
    RNIE = "rnie"
    BEA = "bea"
    APPRENTICE = "apprentice"
    PROVISIONAL = "provisional"
    BASE36 = "base36"


# Order matters: the most specific shapes first (an apprentice INE also looks Base-36).
_PATTERNS: list[tuple[IneFamily, re.Pattern[str]]] = [
    (IneFamily.APPRENTICE, re.compile(r"^\d{4}A\d{5}[A-HJ-NPR-Z]$")),
    (IneFamily.PROVISIONAL, re.compile(r"^\d{4}D\d{5}[A-HJ-NPR-Z]$")),
    (IneFamily.RNIE, re.compile(r"^\d{9}[A-HJK]{2}$")),
    (IneFamily.BEA, re.compile(r"^\d{10}[A-HJ-NPR-Z]$")),
    (IneFamily.BASE36, re.compile(r"^[0-9A-Z]{10}\d$")),
]

_SEPARATORS = re.compile(r"[\s.\-_]")


def normalize_ine(raw: str) -> str:
    """Upper-case, without the spaces, dots and dashes people type between groups."""
    return _SEPARATORS.sub("", raw or "").upper()


def bea_key(first_ten_digits: str) -> str:
    return BEA_KEY_ALPHABET[int(first_ten_digits) % 23]


def ine_family(raw: str) -> IneFamily | None:
    """The family whose shape (and, for BEA, key) ``raw`` matches, or None."""
    ine = normalize_ine(raw)
    for family, pattern in _PATTERNS:
        if pattern.match(ine):
            if family is IneFamily.BEA and ine[10] != bea_key(ine[:10]):
                continue
            return family
    return None


def looks_like_ine(raw: str) -> bool:
    return ine_family(raw) is not None


def validate_ine(raw: str) -> None:
    """Model/form validator: explains what an INE looks like when the value is not one."""
    ine = normalize_ine(raw)
    if len(ine) != 11:
        raise ValidationError(
            _(
                "An INE has 11 characters (letters and digits); this one has %(count)d. "
                "It is printed on your student card and your enrolment certificate."
            ),
            code="ine_length",
            params={"count": len(ine)},
        )
    if ine_family(ine) is None:
        if re.match(r"^\d{10}[A-Z]$", ine):
            raise ValidationError(
                _("This INE's check letter does not match its digits: please check it."),
                code="ine_key",
            )
        raise ValidationError(
            _("This is not a valid INE. It is printed on your student card."),
            code="ine_format",
        )


def bea_ine(number: int) -> str:
    """A well-formed BEA-family INE built from ``number`` (demo data and tests)."""
    digits = f"{number % 10**10:010d}"
    return digits + bea_key(digits)
