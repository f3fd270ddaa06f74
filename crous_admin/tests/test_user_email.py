from __future__ import annotations

import pytest

from crous_admin.accounts.models import User


def test_normalised_email_is_lower_case_in_whole_and_stripped():
    assert User.objects.normalize_email("  Lea.Martin@Etu.EXAMPLE ") == "lea.martin@etu.example"


@pytest.mark.django_db
def test_an_account_created_with_capitals_stores_one_spelling_and_logs_in_with_any():
    user = User.objects.create_user("Hugo.Bernard@Etu.Example", "a-long-passphrase")

    assert user.email == "hugo.bernard@etu.example"
    assert User.objects.get_by_natural_key("HUGO.bernard@etu.example") == user


@pytest.mark.django_db
def test_clean_stores_the_normalised_spelling():
    user = User(email=" Nina.Rossi@Etu.Example")
    user.clean()

    assert user.email == "nina.rossi@etu.example"
