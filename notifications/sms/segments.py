"""How many SMS segments a text costs (GSM 03.38 / 3GPP TS 23.038).

A text made only of GSM-7 characters travels in 7-bit units ("septets"): 160 in one SMS,
153 per segment once it has to be split (a concatenation header takes the rest). Characters
of the GSM-7 extension table (``€ [ ] { } \\ ~ ^ |`` and form feed) cost two septets, an
escape and the character, and the pair is never split across two segments. Any other
character switches the whole text to UCS-2: 16-bit units, 70 in one SMS, 67 per segment,
and a character outside the Basic Multilingual Plane (most emoji) costs two units that are
never split either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Each costs two septets: the escape code, then the character. (The escape code itself is
# not a character a text may contain: a text with a bare ESC goes as UCS-2.)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SmsLength:
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def _pack(costs: list[int], single: int, part: int) -> int:
    """Segments needed for characters of the given unit costs, none split across two."""
    total = sum(costs)
    if total <= single:
        return 1 if total else 0
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:
            segments += 1
            used = 0
        used += cost
    return segments


def sms_length(text: str) -> SmsLength:
    """The encoding, units and segment count of ``text`` as an SMS (0 segments if empty)."""
    if is_gsm7(text):
        costs = [2 if c in GSM7_EXTENSION else 1 for c in text]
        return SmsLength("GSM-7", sum(costs), _pack(costs, GSM7_SINGLE, GSM7_PART))
    costs = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return SmsLength("UCS-2", sum(costs), _pack(costs, UCS2_SINGLE, UCS2_PART))


def sms_segments(text: str) -> int:
    return sms_length(text).segments
