"""Writes on the catalogue: Crous settings, residences and housing units.

Keyword-only, validated with the models' own rules (``full_clean``), one transaction each,
and the author recorded in the history. The API and the back-office call these.

What a Crous is attached to does not change after creation: a residence stays in its Crous
and a unit in its residence (tenant files and staff rights follow from those links).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from crous_admin.errors import ApplicationError, ConflictError
from crous_admin.history import record_author
from residences.models import Crous, HousingUnit, Residence, UnitStatus

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

CROUS_FIELDS = (
    "code",
    "name",
    "time_zone",
    "contact_email",
    "sms_sender_name",
    "code_validity_days",
    "code_max_attempts",
    "code_block_hours",
    "assistance_target_business_days",
    "holiday_subdivision",
    "is_active",
)
RESIDENCE_FIELDS = ("code", "name", "address", "postal_code", "city", "is_active")
UNIT_FIELDS = ("number", "unit_type", "surface_m2", "monthly_rent", "apl_eligible", "status")


def _assign(instance: Any, allowed: tuple[str, ...], fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name in allowed:
            setattr(instance, name, value)


def _clean_crous(crous: Crous) -> None:
    # Codes and names are unique across the network, while a Crous administrator's scope
    # shows only their own Crous: check uniqueness against every row (the catalogue is public).
    with scopes_disabled():
        crous.full_clean()


def _refuse_move(*, current_id: int, new: Any, field: str, message: str) -> None:
    if new is not None and getattr(new, "pk", new) != current_id:
        raise ApplicationError(message, code="immutable", field=field)


@transaction.atomic
def crous_create(*, by: User | None, **fields: Any) -> Crous:
    crous = Crous()
    _assign(crous, CROUS_FIELDS, fields)
    _clean_crous(crous)
    record_author(crous, by, "Crous created")
    crous.save()
    return crous


@transaction.atomic
def crous_update(*, by: User | None, crous: Crous, **fields: Any) -> Crous:
    _assign(crous, CROUS_FIELDS, fields)
    _clean_crous(crous)
    record_author(crous, by, "Crous settings updated")
    crous.save()
    return crous


@transaction.atomic
def residence_create(*, by: User | None, crous: Crous, **fields: Any) -> Residence:
    residence = Residence(crous=crous)
    _assign(residence, RESIDENCE_FIELDS, fields)
    residence.full_clean()
    record_author(residence, by, "residence created")
    residence.save()
    return residence


@transaction.atomic
def residence_update(
    *, by: User | None, residence: Residence, crous: Crous | None = None, **fields: Any
) -> Residence:
    _refuse_move(
        current_id=residence.crous_id,
        new=crous,
        field="crous",
        message=_("A residence cannot move to another Crous: create it there instead."),
    )
    _assign(residence, RESIDENCE_FIELDS, fields)
    residence.full_clean()
    record_author(residence, by, "residence updated")
    residence.save()
    return residence


def _check_status_set_by_hand(status: str) -> None:
    if status == UnitStatus.OCCUPIED:
        raise ApplicationError(
            _("A unit becomes occupied when a tenant file is created for it: create the file."),
            code="status_occupied_by_file",
            field="status",
        )


@transaction.atomic
def housing_unit_create(*, by: User | None, residence: Residence, **fields: Any) -> HousingUnit:
    unit = HousingUnit(residence=residence)
    _assign(unit, UNIT_FIELDS, fields)
    _check_status_set_by_hand(unit.status)
    unit.full_clean()
    record_author(unit, by, "housing unit created")
    unit.save()
    return unit


@transaction.atomic
def housing_unit_update(
    *, by: User | None, unit: HousingUnit, residence: Residence | None = None, **fields: Any
) -> HousingUnit:
    """Updates a unit's description and rent; its status only while no tenant occupies it.

    The row is locked so that a tenant file created at the same moment (which locks it too)
    cannot be overwritten by a stale status.
    """
    _refuse_move(
        current_id=unit.residence_id,
        new=residence,
        field="residence",
        message=_("A unit cannot move to another residence: create it there instead."),
    )
    locked = HousingUnit.objects.select_for_update(of=("self",)).get(pk=unit.pk)
    new_status = fields.get("status", locked.status)
    if new_status != locked.status:
        if locked.status == UnitStatus.OCCUPIED:
            raise ConflictError(
                _("This unit is occupied: end its tenant file to change its status."),
                code="unit_occupied",
                field="status",
            )
        _check_status_set_by_hand(new_status)
    _assign(unit, UNIT_FIELDS, fields)
    unit.status = new_status
    unit.full_clean()
    record_author(unit, by, "housing unit updated")
    unit.save()
    return unit
