from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenants.codes import (
    CODE_ALPHABET,
    CodeInputProblem,
    code_display,
    code_generate,
    code_hmac,
    code_input_problem,
    code_matches,
    code_normalize,
)
from tenants.ine import bea_ine

codes = st.text(alphabet=CODE_ALPHABET, min_size=10, max_size=10)


def test_generated_codes_have_ten_characters_of_the_unambiguous_alphabet():
    generated = {code_generate() for _ in range(200)}

    assert all(len(c) == 10 and set(c) <= set(CODE_ALPHABET) for c in generated)
    assert len(generated) == 200  # ~50 bits: no collision in a few hundred draws
    assert not set("ILO01") & set(CODE_ALPHABET)


def test_codes_are_shown_in_groups_of_four():
    assert code_display("ABCDEFGHJK") == "ABCD-EFGH-JK"


@given(codes)
def test_any_code_typed_grouped_lowercase_or_spaced_matches_its_hmac(code):
    stored = code_hmac(code)

    assert code_matches(code_display(code).lower(), stored)
    assert code_matches(" ".join(code), stored)
    assert code_input_problem(code_display(code)) is None


def test_a_different_code_does_not_match():
    assert not code_matches("ABCDEFGHJM", code_hmac("ABCDEFGHJK"))
    assert not code_matches("ABCDEFGHJK", "")


def test_hmac_depends_on_the_dedicated_key(settings):
    before = code_hmac("ABCDEFGHJK")
    settings.TENANT_CODE_HMAC_KEY = "another-key"

    assert code_hmac("ABCDEFGHJK") != before


def test_lookalike_letters_are_mapped_and_then_reported_as_never_in_a_code():
    assert code_normalize("abcd-efgh-jo") == "ABCDEFGHJ0"
    assert code_input_problem("ABCD-EFGH-JO") is CodeInputProblem.FORBIDDEN_CHARACTERS


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", CodeInputProblem.EMPTY),
        ("   ", CodeInputProblem.EMPTY),
        ("lea.martin@gmail.com", CodeInputProblem.LOOKS_LIKE_EMAIL),
        (bea_ine(1234567890), CodeInputProblem.LOOKS_LIKE_INE),
        ("123456789AB", CodeInputProblem.LOOKS_LIKE_INE),
        ("MotDePasse!2026", CodeInputProblem.LOOKS_LIKE_PASSWORD),
        ("SoleilDu26", CodeInputProblem.LOOKS_LIKE_PASSWORD),
        ("Abcd-efgh-jk", None),  # a phone capitalised the first letter: still a code
        ("Soleil2026", CodeInputProblem.FORBIDDEN_CHARACTERS),  # L, I and 0 are never in a code
        ("0612345678", CodeInputProblem.LOOKS_LIKE_NUMBER),
        ("73456123", CodeInputProblem.LOOKS_LIKE_NUMBER),
        ("ABCD-EFGH", CodeInputProblem.WRONG_LENGTH),
        ("ABCD-EFGH-JKMN", CodeInputProblem.WRONG_LENGTH),
    ],
)
def test_input_that_cannot_be_a_code_is_recognised(typed, problem):
    assert code_input_problem(typed) == problem
