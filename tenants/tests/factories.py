from __future__ import annotations

from datetime import date

import factory
from factory.django import DjangoModelFactory

from residences.tests.factories import CrousFactory, HousingUnitFactory
from tenants.ine import bea_ine
from tenants.models import Student, TenantFile, TenantFileStatus


class StudentFactory(DjangoModelFactory):
    class Meta:
        model = Student

    crous = factory.SubFactory(CrousFactory)
    ine = factory.Sequence(lambda n: bea_ine(1_234_500_000 + n))
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"etudiant{n}@etu.example")
    mobile_phone = factory.Sequence(lambda n: f"+3361{n % 10**7:07d}")


class TenantFileFactory(DjangoModelFactory):
    class Meta:
        model = TenantFile

    crous = factory.SubFactory(CrousFactory)
    student = factory.SubFactory(StudentFactory, crous=factory.SelfAttribute("..crous"))
    unit = factory.SubFactory(
        HousingUnitFactory, residence__crous=factory.SelfAttribute("...crous")
    )
    academic_year = 2026
    start_date = date(2026, 9, 1)
    end_date = date(2027, 6, 30)
    status = TenantFileStatus.ASSIGNED
