"""The client's IP address, the same way for the API's throttles and for the services.

With ``NUM_PROXIES`` reverse proxies in front of the application (settings), the address is
read from ``X-Forwarded-For`` that many hops back; with none, from ``REMOTE_ADDR``. Trusting
``X-Forwarded-For`` blindly would let anyone choose their address; ignoring it behind a proxy
would give every student the proxy's address, and one student's wrong codes would throttle
the whole site.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest) -> str:
    return BaseThrottle().get_ident(request)
