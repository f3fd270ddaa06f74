"""The layers of ARCHITECTURE.md hold: no import points up, and the ground reads the facts it
needs from the domain apps through settings, not imports."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django_scopes import scopes_disabled

import crous_admin
from crous_admin.scoping import scope_for
from residences.tests.factories import CrousFactory, UserFactory

ROOT = Path(settings.BASE_DIR)


def _import_linter() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _layered_modules() -> set[str]:
    (layers,) = (c for c in _import_linter()["contracts"] if c["id"] == "layers")
    return {
        name.strip().strip("()")
        for layer in layers["layers"]
        for name in layer.replace("|", ":").split(":")
    }


def test_no_import_points_up_a_layer_nor_from_a_model_service_or_selector_to_a_surface():
    lint_imports = Path(sys.executable).with_name("lint-imports")

    result = subprocess.run(  # noqa: S603 (the project's own linter, fixed arguments)
        [str(lint_imports), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_app_of_the_project_is_a_root_package_of_the_import_contract():
    ours = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        # The virtualenv may sit inside the working copy (`make` puts it in .venv/): its
        # libraries are not the project's apps.
        if Path(config.path).is_relative_to(ROOT)
        and not Path(config.path).resolve().is_relative_to(Path(sys.prefix).resolve())
    }

    assert ours <= set(_import_linter()["root_packages"])
    assert ours - {"crous_admin"} <= _layered_modules()


def test_every_module_of_crous_admin_sits_in_a_layer_of_the_contract():
    modules = {
        f"crous_admin.{info.name}"
        for info in pkgutil.iter_modules(crous_admin.__path__)
        if info.name != "tests"
    }

    assert modules - _layered_modules() == set()


def fake_roles_reader(*, user):
    return [(user.fake_crous_id, "housing_officer")]


def fake_student_reader(*, user):
    return (user.fake_crous_id,)


def test_the_scope_comes_from_the_staff_roles_the_configured_reader_gives(db, settings):
    settings.CROUS_STAFF_ROLES_READER = f"{__name__}.fake_roles_reader"
    settings.CROUS_SCOPE_FACTS_READER = None  # the single readers, asked one by one
    with scopes_disabled():
        crous = CrousFactory()
    user = UserFactory()  # no staff membership in the database
    user.fake_crous_id = crous.pk

    scope = scope_for(user)

    assert scope.is_staff
    assert scope.crous == scope.catalog_crous == (crous.pk,)


def test_a_students_scope_comes_from_the_configured_reader(db, settings):
    settings.CROUS_STUDENT_CROUS_READER = f"{__name__}.fake_student_reader"
    settings.CROUS_SCOPE_FACTS_READER = None  # the single readers, asked one by one
    user = UserFactory()  # no tenant file linked in the database
    user.fake_crous_id = 42

    scope = scope_for(user)

    assert not scope.is_staff
    assert scope.crous == (42,)
