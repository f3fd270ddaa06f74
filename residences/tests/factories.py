from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from crous_admin.accounts.roles import Role
from residences.models import Crous, HousingUnit, Residence, StaffMembership, UnitType


class UserFactory(DjangoModelFactory):
    class Meta:
        model = "accounts.User"
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password("correct horse battery staple")


class CrousFactory(DjangoModelFactory):
    class Meta:
        model = Crous
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"crous-{n}")
    name = factory.LazyAttribute(lambda o: f"Crous {o.code.title()}")
    time_zone = "Europe/Paris"
    contact_email = factory.LazyAttribute(lambda o: f"contact@{o.code}.crous.example")
    sms_sender_name = "CROUS"


class ResidenceFactory(DjangoModelFactory):
    class Meta:
        model = Residence

    crous = factory.SubFactory(CrousFactory)
    code = factory.Sequence(lambda n: f"res-{n}")
    name = factory.Sequence(lambda n: f"Résidence {n}")
    address = "1 rue de l'Université"
    postal_code = "33000"
    city = "Bordeaux"


class HousingUnitFactory(DjangoModelFactory):
    class Meta:
        model = HousingUnit

    residence = factory.SubFactory(ResidenceFactory)
    number = factory.Sequence(lambda n: f"A{n:04d}")
    unit_type = UnitType.ROOM
    surface_m2 = Decimal("9.0")
    monthly_rent = Decimal("260.00")
    apl_eligible = True


class StaffMembershipFactory(DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory, is_staff=True)
    crous = factory.SubFactory(CrousFactory)
    role = Role.HOUSING_OFFICER
