"""Fixtures shared by every app's tests: scope handling, Celery mode and the personas.

Personas (as in healthchecks' alice/bob/charlie): a Bordeaux housing officer, a Versailles
assistance agent, a national administrator, a student whose account is linked to a file and
one whose account is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from crous_admin import celery_app
from crous_admin.accounts.roles import Role

# Playwright's fixtures for the tests marked ``browser``, whatever their folder.
pytest_plugins = ("crous_admin.testing.browser",)


@pytest.fixture(autouse=True)
def _scopes_disabled_in_test_bodies() -> Iterator[None]:
    """Test bodies build data across Crous freely; requests made through a test client
    open the viewer's scope again in the middleware, so scoping is still what is tested."""
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True, scope="session")
def _celery_eager() -> Iterator[None]:
    # Unit tests run tasks in-process; the integration tests start a real worker instead.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _email_and_sms_in_memory(settings: pytest.FixtureRequest) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    # PBKDF2 at Django's iteration count costs ~0.3 s a hash here; tests test logic, not it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bordeaux(db: None):
    from residences.tests.factories import CrousFactory

    return CrousFactory(code="bordeaux", name="Crous de Bordeaux-Aquitaine")


@pytest.fixture
def versailles(db: None):
    from residences.tests.factories import CrousFactory

    return CrousFactory(code="versailles", name="Crous de Versailles")


@pytest.fixture
def bordeaux_officer(bordeaux):
    from residences.tests.factories import StaffMembershipFactory

    return StaffMembershipFactory(
        crous=bordeaux, role=Role.HOUSING_OFFICER, user__email="officer@crous-bordeaux.example"
    ).user


@pytest.fixture
def versailles_agent(versailles):
    from residences.tests.factories import StaffMembershipFactory

    return StaffMembershipFactory(
        crous=versailles, role=Role.ASSISTANCE_AGENT, user__email="agent@crous-versailles.example"
    ).user


@pytest.fixture
def bordeaux_admin(bordeaux):
    from residences.tests.factories import StaffMembershipFactory

    return StaffMembershipFactory(
        crous=bordeaux, role=Role.CROUS_ADMIN, user__email="admin@crous-bordeaux.example"
    ).user


@pytest.fixture
def national_admin(db: None):
    from residences.tests.factories import StaffMembershipFactory

    return StaffMembershipFactory(
        crous=None, role=Role.NATIONAL_ADMIN, user__email="national@cnous.example"
    ).user


@pytest.fixture
def linked_student_file(bordeaux):
    """A Bordeaux tenant file linked to its student's account."""
    from residences.tests.factories import UserFactory
    from tenants.models import TenantFileStatus
    from tenants.tests.factories import TenantFileFactory

    user = UserFactory(email="lea.martin@etu.example")
    return TenantFileFactory(
        crous=bordeaux,
        linked_user=user,
        linked_at=timezone.now(),
        student__email=user.email,
        status=TenantFileStatus.ACTIVE,
        start_date=date(2026, 9, 1),
    )


@pytest.fixture
def linked_student(linked_student_file):
    return linked_student_file.linked_user


@pytest.fixture
def unlinked_student(db: None):
    """A student account with no tenant file linked yet."""
    from residences.tests.factories import UserFactory

    return UserFactory(email="hugo.bernard@etu.example")


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """Starts real worker processes (see crous_admin/testing/celery_worker.py); all are
    stopped at the end of the test. Skips unless REDIS_URL and PostgreSQL are configured."""
    from crous_admin.testing.celery_worker import (
        reset_broker_pools,
        skip_unless_real_broker_and_shared_database,
        start_worker,
    )

    skip_unless_real_broker_and_shared_database()
    started = []
    reset_broker_pools()
    celery_app.conf.task_always_eager = False

    def start(**kwargs):
        worker = start_worker(log_dir=tmp_path, **kwargs)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = True
        for worker in started:
            worker.stop()


@pytest.fixture
def api_client():
    """A DRF test client; log a persona in with ``api_client.force_login(user)`` (session,
    scope opened by the middleware) or ``api_client.credentials(HTTP_AUTHORIZATION=...)``."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _media_in_tmp(
    settings: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Tenant-space PDFs are stored under MEDIA_ROOT: never in the working copy's var/.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def postgresql_only(transactional_db):
    """Skips on SQLite the tests of concurrent transactions (crous_admin/testing/concurrency.py)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "Concurrency needs a database with row locks and one connection per thread: "
            "SQLite's test database is in memory and serialises every write. Run with "
            "DATABASE_URL=postgres://…"
        )
