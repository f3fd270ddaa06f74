"""SMS length in segments: GSM-7 (160/153, extension characters cost two) and UCS-2 (70/67)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.sms.segments import GSM7_BASIC, GSM7_EXTENSION, sms_length, sms_segments

gsm_basic = st.text(alphabet=sorted(GSM7_BASIC), max_size=800)
gsm_any = st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=800)
bmp_non_gsm = st.characters(
    min_codepoint=0x100, max_codepoint=0xFFFF, blacklist_categories=("Cs",)
).filter(lambda c: c not in GSM7_BASIC and c not in GSM7_EXTENSION)
ucs2_bmp = st.tuples(st.text(alphabet=sorted(GSM7_BASIC), max_size=400), bmp_non_gsm).map(
    lambda t: t[0] + t[1]
)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        # 152 septets then a two-septet character: it may not straddle segments 1 and 2.
        ("a" * 152 + "€" + "a" * 7, "GSM-7", 161, 2),
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        ("Votre code : ABCD-EFGH-JK. Crous de Bordeaux", "GSM-7", 44, 1),
        ("Ça commence", "GSM-7", 11, 1),  # Ç is GSM-7, but…
        ("ça commence", "UCS-2", 11, 1),  # …ç is not: the whole SMS goes as UCS-2
        ("ê" * 70, "UCS-2", 70, 1),
        ("ê" * 71, "UCS-2", 71, 2),
        ("ê" * 134, "UCS-2", 134, 2),
        ("ê" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),
        ("ê" * 66 + "😀" + "ê" * 66, "UCS-2", 134, 3),  # a surrogate pair is never split
        ("\x1b", "UCS-2", 1, 1),
    ],
)
def test_known_lengths(text, encoding, units, segments):
    length = sms_length(text)

    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


@given(gsm_basic)
def test_a_basic_gsm_text_costs_one_sms_up_to_160_then_one_per_153(text):
    expected = 0 if not text else 1 if len(text) <= 160 else math.ceil(len(text) / 153)

    length = sms_length(text)

    assert length.encoding == "GSM-7"
    assert length.units == len(text)
    assert length.segments == expected


@given(gsm_any)
def test_extension_characters_cost_two_septets(text):
    extension = sum(c in GSM7_EXTENSION for c in text)

    length = sms_length(text)

    assert length.encoding == "GSM-7"
    assert length.units == len(text) + extension
    if 0 < length.units <= 160:
        assert length.segments == 1
    elif length.units > 160:
        # Never fewer than a perfect packing, at most one septet lost per segment boundary.
        assert math.ceil(length.units / 153) <= length.segments <= math.ceil(length.units / 152)


@given(ucs2_bmp)
def test_one_character_outside_gsm_7_turns_the_whole_text_to_ucs_2(text):
    expected = 1 if len(text) <= 70 else math.ceil(len(text) / 67)

    length = sms_length(text)

    assert length.encoding == "UCS-2"
    assert length.units == len(text)
    assert length.segments == expected


@given(st.text(max_size=400), st.text(min_size=1, max_size=1))
def test_appending_a_character_never_costs_fewer_segments_in_the_same_encoding(text, char):
    before, after = sms_length(text), sms_length(text + char)

    if before.encoding == after.encoding:
        assert after.segments >= before.segments
    assert after.units >= before.units or after.encoding != before.encoding


@given(st.text(max_size=1000))
def test_segment_count_is_consistent_with_units(text):
    length = sms_length(text)
    single, part = (160, 153) if length.encoding == "GSM-7" else (70, 67)

    assert sms_segments(text) == length.segments
    assert (length.segments == 0) == (text == "")
    if length.units > single:
        assert length.segments >= math.ceil(length.units / part)
