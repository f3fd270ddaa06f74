from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import get_default_renderer
from django.urls import reverse

from crous_admin.portal.form_renderer import FormRenderer


@pytest.mark.django_db
def test_two_requests_render_their_forms_with_one_renderer_and_one_template_engine(client):
    first = client.get(reverse("portal:login")).context["form"]
    second = client.get(reverse("portal:login")).context["form"]

    # Left at Django's default, django-dsfr hands each form a new renderer and engine.
    assert isinstance(first.renderer, FormRenderer)
    assert first.renderer is second.renderer
    assert first.renderer.engine is second.renderer.engine


def test_the_back_office_forms_share_the_process_renderer():
    class Plain(forms.Form):
        name = forms.CharField()

    assert Plain().renderer is get_default_renderer()


def test_a_field_error_list_keeps_the_id_its_input_points_at():
    class Plain(forms.Form):
        name = forms.CharField()

    form = Plain(data={})
    form.is_valid()

    html = str(form["name"])
    errors = str(form["name"].errors)
    assert 'aria-describedby="id_name_error"' in html
    assert 'id="id_name_error"' in errors
