"""What every endpoint of the API shares: one error format, pagination, authentication,
per-Crous scoping, and an OpenAPI description that documents its errors."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse
from rest_framework import permissions, throttling
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from crous_admin.api.schema import ScopesDisabledSchemaGenerator
from crous_admin.api.views import CrousScopedAPIMixin
from crous_admin.errors import ApplicationError, ConflictError
from residences.tests.factories import (
    HousingUnitFactory,
    ResidenceFactory,
    StaffMembershipFactory,
)
from tenants.ine import bea_ine
from tenants.tests.factories import StudentFactory, TenantFileFactory

# --- One error format ---------------------------------------------------------------------


class _NeverAllowed(throttling.BaseThrottle):
    def allow_request(self, request, view):
        return False

    def wait(self):
        return 42


class _Raises(CrousScopedAPIMixin, APIView):
    """Raises what ``?raise=`` names, as a service or Django would."""

    permission_classes = [permissions.AllowAny]

    def get(self, request):
        raising = {
            "conflict": ConflictError(
                "This unit is not free.", code="unit_not_free", field="unit", extra={"id": 7}
            ),
            "application": ApplicationError("Not now.", code="window_closed"),
            "django_validation": DjangoValidationError({"name": ["Too long."]}),
            "django_validation_all": DjangoValidationError("Both fields clash."),
            "django_404": Http404(),
            "django_403": DjangoPermissionDenied(),
        }[request.query_params["raise"]]
        raise raising


class _Throttled(CrousScopedAPIMixin, APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [_NeverAllowed]

    def get(self, request):  # pragma: no cover - throttled before
        return Response({})


def _call(view: type[APIView], query: str = "") -> Response:
    response = view.as_view()(APIRequestFactory().get(f"/api/v1/test/?{query}"))
    response.render()
    return response


@pytest.mark.parametrize(
    ("raising", "status", "body"),
    [
        (
            "conflict",
            409,
            {
                "code": "unit_not_free",
                "message": "This unit is not free.",
                "fields": {"unit": ["This unit is not free."]},
                "details": {"id": 7},
            },
        ),
        ("application", 400, {"code": "window_closed", "message": "Not now."}),
    ],
)
def test_application_errors_answer_their_status_in_the_error_format(db, raising, status, body):
    response = _call(_Raises, f"raise={raising}")

    assert response.status_code == status
    assert json.loads(response.content) == {"error": body}


def test_django_validation_errors_are_field_errors(db):
    response = _call(_Raises, "raise=django_validation")

    assert response.status_code == 400
    error = json.loads(response.content)["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"name": ["Too long."]}


def test_errors_on_the_whole_object_are_named_like_drf_names_them(db):
    error = json.loads(_call(_Raises, "raise=django_validation_all").content)["error"]

    assert error["fields"] == {"non_field_errors": ["Both fields clash."]}


@pytest.mark.parametrize(("raising", "status"), [("django_404", 404), ("django_403", 403)])
def test_django_http_errors_are_in_the_error_format(db, raising, status):
    response = _call(_Raises, f"raise={raising}")

    assert response.status_code == status
    assert set(json.loads(response.content)["error"]) == {"code", "message"}


def test_too_many_requests_says_when_to_come_back(db):
    response = _call(_Throttled)

    assert response.status_code == 429
    error = json.loads(response.content)["error"]
    assert error["code"] == "throttled"
    assert error["details"] == {"retry_after_seconds": 42}
    assert response["Retry-After"] == "42"


def test_malformed_json_is_a_400_in_the_error_format(api_client, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(
        reverse("api:residence-list"), data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_an_invalid_token_is_a_401_even_on_the_public_catalogue(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = api_client.get(reverse("api:residence-list"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_writes_are_a_401_asking_for_a_token(api_client, bordeaux):
    response = api_client.patch(reverse("api:crous-detail", args=[bordeaux.pk]), {})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_an_unknown_api_path_is_a_404_in_the_error_format(api_client, db):
    response = api_client.post("/api/v1/no-such-thing/42/")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": response.json()["error"]["message"]}
    }


def test_a_method_the_endpoint_does_not_handle_is_a_405(api_client, bordeaux, national_admin):
    api_client.force_login(national_admin)

    response = api_client.delete(reverse("api:residence-detail", args=[ResidenceFactory().pk]))

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


# --- Pagination ---------------------------------------------------------------------------


@pytest.fixture
def units(bordeaux):
    residence = ResidenceFactory(crous=bordeaux)
    return HousingUnitFactory.create_batch(205, residence=residence)


def test_lists_are_paged_fifty_by_default(api_client, units):
    body = api_client.get(reverse("api:housingunit-list")).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 205
    assert len(body["results"]) == 50
    assert "page=2" in body["next"]


def test_a_page_holds_two_hundred_rows_at_most(api_client, units):
    body = api_client.get(reverse("api:housingunit-list"), {"page_size": 1000}).json()

    assert len(body["results"]) == 200


def test_a_page_past_the_end_is_a_404_in_the_error_format(api_client, units):
    response = api_client.get(reverse("api:housingunit-list"), {"page": 99})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- Scoping through the API, with a session and with a token ------------------------------


@pytest.fixture
def rows_of_both(bordeaux, versailles):
    """One row per endpoint in each Crous: {route: (bordeaux ids, versailles ids)}."""
    mine, theirs = TenantFileFactory(crous=bordeaux), TenantFileFactory(crous=versailles)
    return {
        "api:crous-list": ({bordeaux.pk}, {versailles.pk}),
        "api:residence-list": ({mine.unit.residence_id}, {theirs.unit.residence_id}),
        "api:housingunit-list": ({mine.unit_id}, {theirs.unit_id}),
        "api:student-list": ({mine.student_id}, {theirs.student_id}),
        "api:tenantfile-list": ({mine.pk}, {theirs.pk}),
    }


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize(
    "route",
    [
        "api:crous-list",
        "api:residence-list",
        "api:housingunit-list",
        "api:student-list",
        "api:tenantfile-list",
    ],
)
def test_bordeaux_officer_lists_no_versailles_row_on_any_endpoint(
    api_client, rows_of_both, bordeaux_officer, route, auth
):
    if auth == "session":
        api_client.force_login(bordeaux_officer)
    else:
        token = Token.objects.create(user=bordeaux_officer)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    bordeaux_ids, versailles_ids = rows_of_both[route]

    response = api_client.get(reverse(route), {"page_size": 200})

    listed = {row["id"] for row in response.json()["results"]}
    assert listed == bordeaux_ids
    assert not listed & versailles_ids


def test_staff_record_ids_are_per_crous_even_for_the_same_person(api_client, bordeaux, versailles):
    # A student housed by both Crous has a record in each; a Bordeaux token cannot reach the
    # Versailles one by its id.
    bordeaux_record = StudentFactory(crous=bordeaux, ine=bea_ine(1_234_567_890))
    versailles_record = StudentFactory(crous=versailles, ine=bea_ine(1_234_567_890))
    officer = StaffMembershipFactory(crous=bordeaux).user
    token = Token.objects.create(user=officer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert (
        api_client.get(reverse("api:student-detail", args=[bordeaux_record.pk])).status_code == 200
    )
    assert (
        api_client.get(reverse("api:student-detail", args=[versailles_record.pk])).status_code
        == 404
    )


# --- OpenAPI ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi():
    return ScopesDisabledSchemaGenerator().get_schema(request=None, public=True)


def _operations(openapi):
    for path, item in openapi["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in item.items():
                yield path, method, operation


def test_the_schema_and_its_swagger_ui_are_served_without_a_cdn(api_client, db):
    schema = api_client.get("/api/schema/", {"format": "json"})
    docs = api_client.get("/api/docs/")

    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn." not in html


def test_every_operation_documents_its_errors_in_the_error_format(openapi):
    missing = []
    for path, method, operation in _operations(openapi):
        documented = operation["responses"]
        expected = {"401"}
        if "{" in path:
            expected.add("404")
        filters = {
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p["name"] not in {"page", "page_size", "ordering"}
        }
        if "requestBody" in operation or filters:
            expected.add("400")  # a body, or query filters (paging and ordering never refuse)
        missing += [f"{method.upper()} {path}: {code}" for code in expected - set(documented)]
        for code, response in documented.items():
            if code.startswith("4"):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", f"{method} {path} {code}"
    assert not missing, "Document these with error_responses() in @extend_schema: " + ", ".join(
        missing
    )


def test_the_schema_validates_without_warnings(db, tmp_path):
    # The command exits non-zero on any warning (--fail-on-warn), as `make schema` does in CI.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))

    assert (tmp_path / "s.yml").read_text().startswith("openapi:")


@pytest.mark.parametrize(
    "summary",
    [
        "residences.api.serializers.CrousSummarySerializer",
        "residences.api.serializers.ResidenceSummarySerializer",
        "tenants.api.serializers.StudentSummarySerializer",
        "tenants.api.serializers.HousingUnitSummarySerializer",
    ],
)
def test_fast_summary_rendering_gives_exactly_what_drf_gives(summary, bordeaux):
    from django.utils.module_loading import import_string

    from crous_admin.api.fields import summary_renderer
    from tenants.tests.factories import TenantFileFactory

    tenant_file = TenantFileFactory(crous=bordeaux)
    serializer_class = import_string(summary)
    row = {
        "Crous": tenant_file.crous,
        "Residence": tenant_file.unit.residence,
        "Student": tenant_file.student,
        "HousingUnit": tenant_file.unit,
    }[serializer_class.Meta.model.__name__]

    assert summary_renderer(serializer_class)(row) == serializer_class(row).data


def test_a_filter_parameter_is_applied_and_unrelated_parameters_are_ignored(api_client, bordeaux):
    from residences.tests.factories import HousingUnitFactory

    HousingUnitFactory(residence__crous=bordeaux, monthly_rent="250.00")
    HousingUnitFactory(residence__crous=bordeaux, monthly_rent="450.00")

    filtered = api_client.get("/api/v1/housing-units/", {"rent_max": "300"})
    unfiltered = api_client.get("/api/v1/housing-units/", {"utm_source": "newsletter"})

    assert [u["monthly_rent"] for u in filtered.json()["results"]] == ["250.00"]
    assert unfiltered.json()["count"] == 2
