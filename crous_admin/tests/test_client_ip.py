from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework.settings import api_settings

from crous_admin.client_ip import client_ip


@pytest.fixture
def request_from_proxy():
    return RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.20"
    )


def test_without_proxies_the_forwarded_header_is_not_trusted(request_from_proxy, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    api_settings.reload()

    assert client_ip(request_from_proxy) == "10.0.0.5"


def test_behind_one_proxy_the_last_forwarded_address_is_the_client(request_from_proxy, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    api_settings.reload()

    assert client_ip(request_from_proxy) == "203.0.113.20"
