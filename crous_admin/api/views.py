"""Base classes every API view of the project derives from."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from crous_admin.scoping import crous_scope


class CrousScopedAPIMixin:
    """Runs the view inside the authenticated caller's per-Crous scope.

    The middleware only knows the session user; a token is authenticated by DRF inside the
    view, so the scope is (re)opened here, after authentication and before anything reads.
    """

    _crous_scope_stack: ExitStack | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        stack = ExitStack()
        stack.enter_context(crous_scope(request.user))
        self._crous_scope_stack = stack
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        try:
            return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        finally:
            if self._crous_scope_stack is not None:
                self._crous_scope_stack.close()
                self._crous_scope_stack = None


class CrousScopedReadOnlyViewSet(CrousScopedAPIMixin, viewsets.ReadOnlyModelViewSet):
    pass


class CrousScopedModelViewSet(CrousScopedAPIMixin, viewsets.ModelViewSet):
    pass
