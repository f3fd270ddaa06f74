from __future__ import annotations

from datetime import date

import factory
from factory.django import DjangoModelFactory

from renewals.models import RenewalWindow
from residences.tests.factories import CrousFactory


class RenewalWindowFactory(DjangoModelFactory):
    class Meta:
        model = RenewalWindow

    crous = factory.SubFactory(CrousFactory)
    academic_year = 2027
    opens_on = date(2027, 3, 15)
    closes_on = date(2027, 5, 1)
