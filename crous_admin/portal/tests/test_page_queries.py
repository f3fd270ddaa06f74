"""What the student pages' frame costs in queries for a logged-in student."""

from __future__ import annotations

from django.urls import reverse

from crous_admin.testing.template_queries import queries_from_templates


def test_a_logged_in_student_page_resolves_the_scope_in_one_query(
    client, linked_student, django_assert_num_queries
):
    client.force_login(linked_student)

    # 1. the session, 2. the user, 3. the scope: the user's staff memberships and the
    # Crous of the files linked to the account, in one UNION (two queries before).
    with django_assert_num_queries(3):
        response = client.get(reverse("portal:home"))

    assert response.status_code == 200


def test_the_home_and_code_pages_run_no_query_from_their_templates(client, linked_student):
    client.force_login(linked_student)

    with queries_from_templates() as from_templates:
        for name in ("portal:home", "tenants_portal:code", "portal:account"):
            assert client.get(reverse(name)).status_code == 200

    assert from_templates == []
