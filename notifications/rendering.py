"""Turning a message's template key, language and context into what is sent.

Templates live in ``templates/notifications/``:

* email: ``email/<key>.subject.txt`` (one line), ``email/<key>.txt`` (plain text) and
  ``email/<key>.html``;
* SMS: ``sms/<key>.txt``.

They are rendered inside ``translation.override(message.language)`` and written with
``{% translate %}`` / ``{% blocktranslate %}``, so one template serves French and English.
Besides the message's own context they receive ``crous`` (the sending Crous).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.template import engines
from django.template.loader import get_template, render_to_string
from django.template.utils import get_app_template_dirs
from django.utils import translation

from notifications.models import Channel

if TYPE_CHECKING:
    from residences.models import Crous

EMAIL_PARTS = ("subject.txt", "txt", "html")


def template_names(*, channel: str, template_key: str) -> list[str]:
    if channel == Channel.EMAIL:
        return [f"notifications/email/{template_key}.{part}" for part in EMAIL_PARTS]
    return [f"notifications/sms/{template_key}.txt"]


def templates_check(*, channel: str, template_key: str) -> None:
    """Raises ``TemplateDoesNotExist`` when a template of this message is missing.

    Called when a message is queued, so that a typo in a template key fails the code that
    made it (and its tests) rather than a delivery days later.
    """
    for name in template_names(channel=channel, template_key=template_key):
        get_template(name)


@cache
def known_template_keys() -> tuple[str, ...]:
    """Every template key found on disk (email or SMS), for the back-office's filter."""
    dirs = [Path(d) for d in engines["django"].engine.dirs]
    dirs += [Path(d) for d in get_app_template_dirs("templates")]
    keys = set()
    for base in dirs:
        keys.update(
            p.name.removesuffix(".subject.txt")
            for p in (base / "notifications" / "email").glob("*.subject.txt")
        )
        keys.update(p.stem for p in (base / "notifications" / "sms").glob("*.txt"))
    return tuple(sorted(keys))


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _context(context: dict[str, Any], crous: Crous, language: str) -> dict[str, Any]:
    return {**context, "crous": crous, "language": language}


def render_email(
    *, template_key: str, language: str, context: dict[str, Any], crous: Crous
) -> RenderedEmail:
    ctx = _context(context, crous, language)
    subject_t, text_t, html_t = template_names(channel=Channel.EMAIL, template_key=template_key)
    with translation.override(language):
        subject = render_to_string(subject_t, ctx)
        text = render_to_string(text_t, ctx)
        html = render_to_string(html_t, ctx)
    # A header is one line, whatever the template's layout.
    return RenderedEmail(subject=" ".join(subject.split()), text=text.strip() + "\n", html=html)


def render_sms(*, template_key: str, language: str, context: dict[str, Any], crous: Crous) -> str:
    (name,) = template_names(channel=Channel.SMS, template_key=template_key)
    with translation.override(language):
        body = render_to_string(name, _context(context, crous, language))
    # Every character costs: no template indentation or blank lines in the SMS.
    return "\n".join(line.strip() for line in body.strip().splitlines() if line.strip())
