from __future__ import annotations

import pytest
from django_scopes import ScopeError, scope, scopes_disabled

from crous_admin.scoping import crous_scope, scope_for
from residences.models import Residence
from residences.tests.factories import ResidenceFactory
from tenants.models import TenantFile
from tenants.tests.factories import TenantFileFactory


def test_querying_a_scoped_model_outside_any_scope_raises(db):
    with scope(), pytest.raises(ScopeError):  # an empty scope: no dimension opened
        list(TenantFile.objects.all())


def test_bordeaux_officer_sees_only_bordeaux_files(bordeaux, versailles, bordeaux_officer):
    mine = TenantFileFactory(crous=bordeaux)
    TenantFileFactory(crous=versailles)

    with crous_scope(bordeaux_officer):
        assert list(TenantFile.objects.all()) == [mine]


def test_national_admin_sees_every_crous(bordeaux, versailles, national_admin):
    TenantFileFactory(crous=bordeaux)
    TenantFileFactory(crous=versailles)

    with crous_scope(national_admin):
        assert TenantFile.objects.count() == 2
    assert scope_for(national_admin).is_national


def test_anonymous_sees_the_catalogue_but_no_private_rows(bordeaux, versailles):
    from django.contrib.auth.models import AnonymousUser

    TenantFileFactory(crous=bordeaux)
    ResidenceFactory(crous=versailles)

    with crous_scope(AnonymousUser()):
        assert TenantFile.objects.count() == 0
        assert Residence.objects.count() == 2  # one from the tenant file's unit, one here


def test_student_sees_only_the_crous_of_files_linked_to_their_account(linked_student, versailles):
    TenantFileFactory(crous=versailles)

    with crous_scope(linked_student):
        files = list(TenantFile.objects.all())
    assert [f.linked_user for f in files] == [linked_student]


def test_scope_is_computed_once_per_user_object(bordeaux_officer, django_assert_num_queries):
    with scopes_disabled():
        fresh = type(bordeaux_officer).objects.get(pk=bordeaux_officer.pk)
    with django_assert_num_queries(1):  # the memberships, then cached on the user object
        scope_for(fresh)
        scope_for(fresh)
