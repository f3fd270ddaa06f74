"""Writes of the student pages' frame: creating a student's account."""

from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crous_admin.accounts.models import User
from crous_admin.errors import ApplicationError, ConflictError


def email_taken_message() -> str:
    return _(
        "An account already exists with this email address: log in with it, "
        "or sign up with another address."
    )


def student_account_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    preferred_language: str = "fr",
) -> User:
    """Create a student's account, active at once, with no Crous role.

    The account is linked to no tenant file: that is what the tenant code does later.
    Raises ``ConflictError`` (field ``email``) when the address is taken, whatever its case,
    and ``ApplicationError`` (field ``password1``) when the password fails the validators.
    """
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email)
    candidate = user_model(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        preferred_language=preferred_language,
    )
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ApplicationError(
            " ".join(exc.messages), code="weak_password", field="password1"
        ) from exc

    if user_model.objects.filter(email__iexact=email).exists():
        raise ConflictError(email_taken_message(), code="email_taken", field="email")
    try:
        # The case-insensitive unique constraint settles a race between two sign-ups with the
        # same address; the savepoint keeps a caller's transaction usable after the refusal.
        with transaction.atomic():
            return user_model.objects.create_user(
                email=email,
                password=password,
                first_name=candidate.first_name,
                last_name=candidate.last_name,
                preferred_language=preferred_language,
            )
    except IntegrityError as exc:
        raise ConflictError(email_taken_message(), code="email_taken", field="email") from exc
