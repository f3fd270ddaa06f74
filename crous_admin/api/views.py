"""Base classes every API view of the project derives from."""

from __future__ import annotations

from contextlib import ExitStack
from operator import attrgetter
from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions, mixins, permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crous_admin.accounts.models import User
from crous_admin.api.permissions import CrousModelPermissions, user_has_perms_in_crous
from crous_admin.scoping import crous_scope


def request_user(request: Request) -> User:
    """The caller of a view whose permissions admit only signed-in people.

    DRF types ``request.user`` as possibly anonymous; the permission classes have refused
    anonymous callers (401) before any handler runs, so this only states it to the type
    checker, and refuses the same way should a view ever be misconfigured.
    """
    user = request.user
    if isinstance(user, AnonymousUser):
        raise exceptions.NotAuthenticated()
    return user


class CrousScopedAPIMixin:
    """Runs the view inside the authenticated caller's per-Crous scope.

    The middleware only knows the session user; a token is authenticated by DRF inside the
    view, so the scope is (re)opened here, after authentication and before anything reads.

    ``crous_field`` is the attribute path from an object to its Crous id (``"crous_id"``,
    ``"residence.crous_id"``…), used to check that a multi-Crous staff member's role in
    *that* Crous allows a write.
    """

    crous_field = "crous_id"
    _crous_scope_stack: ExitStack | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # A method the view does not handle is a 405 for everybody, before permissions
        # (which would otherwise answer 403 to a DELETE the role does not grant).
        method = request.method or ""
        if getattr(self, method.lower(), None) is None:
            raise exceptions.MethodNotAllowed(method)
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

    def get_authenticate_header(self, request: Request) -> str:
        # Session authentication comes first but has no challenge, which would turn every
        # "not logged in" into a 403; answer 401 with the token challenge instead.
        for authenticator in self.get_authenticators():  # type: ignore[attr-defined]
            header = authenticator.authenticate_header(request)
            if header:
                return header
        return ""  # no challenge: DRF then answers 403

    def crous_id_of(self, obj: Any) -> int | None:
        return attrgetter(self.crous_field)(obj)

    def check_crous_permission(self, crous_id: int | None) -> None:
        """Refuses (403) a write into ``crous_id`` unless a role held there allows it.

        DRF checks object permissions on existing rows only; creates call this with the Crous
        the new row goes to.
        """
        request = self.request  # type: ignore[attr-defined]
        perms = CrousModelPermissions().required_permissions(request, self)
        if not user_has_perms_in_crous(request.user, perms, crous_id):
            self.permission_denied(request)  # type: ignore[attr-defined]


class CrousScopedReadOnlyViewSet(CrousScopedAPIMixin, viewsets.ReadOnlyModelViewSet):
    pass


class CrousScopedModelViewSet(CrousScopedAPIMixin, viewsets.ModelViewSet):
    pass


class CrousScopedCreateUpdateViewSet(
    CrousScopedAPIMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """List, retrieve, create and update; no delete (rows are deactivated or ended instead)."""


class NotFoundView(CrousScopedAPIMixin, APIView):
    """Any other path under the API: a 404 in the API's error format, not an HTML page."""

    permission_classes = [permissions.AllowAny]
    schema = None  # not an operation of the API

    def dispatch_not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound()

    get = post = put = patch = delete = head = options = dispatch_not_found
