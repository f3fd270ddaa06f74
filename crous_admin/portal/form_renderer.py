"""The one form renderer of the process (``settings.FORM_RENDERER``).

django-dsfr's base form hands Django its renderer as a *class* when ``FORM_RENDERER`` is left
at Django's default, and Django instantiates it for every form: each form of each request
built a new template engine and re-read its templates (the login page took about twice as
long). With ``FORM_RENDERER`` set, every form — the student pages' DSFR forms and the
back-office's alike — gets ``get_default_renderer()``'s single, cached instance.

The engine is django-dsfr's (``dsfr/`` snippets and its ``django/forms/widgets`` options
first, Django's own form templates after), with one template of ours in front: the field
error list, which in django-dsfr's version loses the ``id`` that Django 5.2 points
``aria-describedby`` at; the back-office's error lists keep their id, the student pages'
gain it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dsfr
from django import forms
from django.utils.functional import cached_property
from dsfr.forms import DsfrDjangoTemplates

OVERRIDES = Path(__file__).resolve().parent / "form_templates"


class FormRenderer(DsfrDjangoTemplates):
    @cached_property
    def engine(self) -> Any:
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [
                    OVERRIDES,
                    Path(dsfr.__file__).resolve().parent / "templates",
                    Path(forms.__file__).resolve().parent / "templates",
                ],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )
