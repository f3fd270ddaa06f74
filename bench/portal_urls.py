"""The project's routes plus the student-page benchmark's references (``/bench/…``).

``frame``: the student pages' DSFR frame (``portal/base.html``: header, footer, menus, the
context processors, the same middleware and session) around an empty content block, what a
page costs before its own work. ``bare``: a response with no template at all, through the
same middleware (session, scope): what the frame is measured against.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from bench.baseline import ping
from crous_admin.urls import urlpatterns as project_urlpatterns


def frame(request: HttpRequest) -> HttpResponse:
    return render(request, "bench/frame.html", {"title": "Frame"})


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"<!doctype html><title>bare</title>", content_type="text/html")


urlpatterns = [
    path("bench/ping/", ping, name="bench-ping"),
    path("bench/frame/", frame, name="bench-frame"),
    path("bench/bare/", bare, name="bench-bare"),
    *project_urlpatterns,
]
