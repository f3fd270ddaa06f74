"""Tenant (activation) codes: making them, showing them, reading what people type.

A code is 10 characters from an alphabet without look-alikes (no I, L, O, 0, 1): about 50
bits. It is shown grouped (``ABCD-EFGH-JK``) and only its keyed HMAC is stored
(docs/adr/0003-tenant-code-storage.md). What a person types is normalised before it is
compared; input that cannot be a code at all (an INE, an email address, a password…) is
recognised and explained instead of being counted as a wrong guess.
"""

from __future__ import annotations

import re
from enum import StrEnum

from django.conf import settings
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

from tenants.ine import looks_like_ine, normalize_ine

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
_HMAC_SALT = "crous_admin.tenants.code"
# Characters people type for the ones the alphabet leaves out; after this mapping they are
# still outside the alphabet, which is how we can tell them the code never contains them.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]")
_CODE_SHAPE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def code_generate() -> str:
    return get_random_string(CODE_LENGTH, CODE_ALPHABET)


def code_display(code: str) -> str:
    """``ABCDEFGHJK`` → ``ABCD-EFGH-JK``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_normalize(raw: str) -> str:
    return _SEPARATORS.sub("", raw or "").upper().translate(_LOOKALIKES)


def code_hmac(code: str) -> str:
    """The stored form of a code (hex SHA-256 HMAC under ``TENANT_CODE_HMAC_KEY``)."""
    return salted_hmac(
        _HMAC_SALT,
        code_normalize(code),
        secret=settings.TENANT_CODE_HMAC_KEY,
        algorithm="sha256",
    ).hexdigest()


def code_matches(raw: str, stored_hmac: str) -> bool:
    return bool(stored_hmac) and constant_time_compare(code_hmac(raw), stored_hmac)


class CodeInputProblem(StrEnum):
    """Why typed input cannot be a tenant code (so it is not counted as a wrong guess)."""

    EMPTY = "empty"
    LOOKS_LIKE_INE = "looks_like_ine"
    LOOKS_LIKE_EMAIL = "looks_like_email"
    LOOKS_LIKE_PASSWORD = "looks_like_password"  # noqa: S105 - a category, not a secret
    LOOKS_LIKE_NUMBER = "looks_like_number"
    WRONG_LENGTH = "wrong_length"
    FORBIDDEN_CHARACTERS = "forbidden_characters"


def code_input_problem(raw: str) -> CodeInputProblem | None:
    """What is wrong with ``raw`` as a code, or None when it has the shape of one."""
    stripped = (raw or "").strip()
    if not stripped:
        return CodeInputProblem.EMPTY
    if "@" in stripped:
        return CodeInputProblem.LOOKS_LIKE_EMAIL
    compact = _SEPARATORS.sub("", stripped)
    if len(normalize_ine(compact)) == 11 and looks_like_ine(compact):
        return CodeInputProblem.LOOKS_LIKE_INE
    # Symbols, or capitals after lower-case letters, are what passwords are made of (a phone
    # capitalising the first letter of a typed code is not).
    if re.search(r"[^A-Za-z0-9\s\-_.]", stripped) or (
        re.search(r"[a-z]", compact) and re.search(r"[A-Z]", compact[1:])
    ):
        return CodeInputProblem.LOOKS_LIKE_PASSWORD
    if compact.isdigit() and (len(compact) != CODE_LENGTH or set(compact) & {"0", "1"}):
        # A student, phone or Izly number; ten digits from 2-9 could still be a code.
        return CodeInputProblem.LOOKS_LIKE_NUMBER
    normalized = code_normalize(compact)
    if len(normalized) != CODE_LENGTH:
        return CodeInputProblem.WRONG_LENGTH
    if not _CODE_SHAPE.match(normalized):
        return CodeInputProblem.FORBIDDEN_CHARACTERS
    return None
