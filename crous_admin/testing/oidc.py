"""A real OpenID Connect round trip in tests, against the demonstration provider.

The browser side is the Django test client: the login button, the provider's authorization
page, the redirect back. The server side — the discovery document, the code exchange, the
JWKS and userinfo requests that allauth makes with ``requests`` — goes through
``TestClientTransport``, a requests transport adapter that hands each HTTP request to a
fresh Django test client of the same process: a real HTTP exchange with the provider's
views, signatures and all, without a socket. ``rewrite`` lets a test tamper with a
provider response (a token signed by another key).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.test import Client
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

SITE = "http://testserver"
Rewrite = Callable[[str, requests.Response], None]


class TestClientTransport(BaseAdapter):
    def __init__(self, rewrite: Rewrite | None = None) -> None:
        super().__init__()
        self.rewrite = rewrite
        self.calls: list[tuple[str, str]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        path = url.path + (f"?{url.query}" if url.query else "")
        headers = {
            f"HTTP_{name.upper().replace('-', '_')}": value
            for name, value in request.headers.items()
            if name.lower() not in {"content-type", "content-length", "host"}
        }
        client = Client(SERVER_NAME=url.hostname or "testserver")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        response = client.generic(
            request.method or "GET",
            path,
            data=body,
            content_type=request.headers.get("Content-Type", ""),
            **headers,
        )
        result = requests.Response()
        result.status_code = response.status_code
        result.headers = CaseInsensitiveDict(dict(response.items()))
        result._content = response.content
        result.url = request.url or ""
        result.request = request
        self.calls.append((request.method or "GET", url.path))
        if self.rewrite is not None:
            self.rewrite(url.path, result)
        return result

    def close(self) -> None:
        pass


def session_with(transport: TestClientTransport) -> requests.Session:
    session = requests.Session()
    session.mount("http://", transport)
    session.mount("https://", transport)
    return session


@dataclass
class RoundTrip:
    """What happened along one sign-in (for assertions)."""

    authorize_url: str = ""
    callback_url: str = ""
    final: Any = None
    steps: list[str] = field(default_factory=list)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def oidc_sign_in(
    client: Client,
    *,
    provider_id: str,
    identity_pk: int | None,
    tamper_authorize: Callable[[str], str] | None = None,
    tamper_callback: Callable[[str], str] | None = None,
) -> RoundTrip:
    """Presses the provider's button, picks ``identity_pk`` on the demo provider's page,
    consents and follows the redirect back to the site; returns the site's last response."""
    trip = RoundTrip()
    started = client.post(f"/compte/oidc/{provider_id}/login/")
    assert started.status_code == 302, started
    trip.authorize_url = started["Location"]
    if tamper_authorize is not None:
        trip.authorize_url = tamper_authorize(trip.authorize_url)
    page = client.get(trip.authorize_url)
    assert page.status_code == 200, page.content[:500]
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["allow"] = "Authorize"
    if identity_pk is not None:
        data["identity"] = str(identity_pk)
    consented = client.post(trip.authorize_url, data)
    assert consented.status_code == 302, consented.content[:500]
    trip.callback_url = consented["Location"]
    if tamper_callback is not None:
        trip.callback_url = tamper_callback(trip.callback_url)
    trip.final = client.get(trip.callback_url)
    return trip
