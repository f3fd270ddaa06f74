"""The REST API (``/api/v1/``): conventions every endpoint follows.

Adding an endpoint:

1. A viewset deriving from ``views.CrousScopedModelViewSet`` / ``CrousScopedCreateUpdateViewSet``
   / ``CrousScopedReadOnlyViewSet`` (the caller's Crous scope is open for the whole view;
   another Crous' row is a 404 exactly like a missing one). ``get_queryset`` returns a
   selector's queryset with what the serializer shows already joined.
2. Permissions: ``permissions.CatalogPermissions`` (public reads) or
   ``IsCrousStaff & CrousModelPermissions`` (staff only); verbs come from the roles'
   model permissions (``crous_admin/accounts/roles.py``), ``action_permissions`` maps extra actions.
   Creates call ``check_crous_permission(crous_id)``; ``crous_field`` says where an object's
   Crous is, for writes by staff holding roles in several Crous.
3. Serializers validate; ``perform_create``/``perform_update``/actions call one service and
   put its result in ``serializer.instance``. Services raise ``ApplicationError`` /
   ``ConflictError``; ``errors.exception_handler`` turns every error into
   ``{"error": {"code", "message", "fields"?, "details"?}}``.
4. Foreign keys: ``fields.NestedPrimaryKeyRelatedField`` (an id in, a small object out) with
   the related model's manager as queryset; filters by id with ``filters.IdFilter``.
5. ``@extend_schema(responses={200: S, **schema.error_responses(*schema.LIST_ERRORS)})`` on
   every action, plus 409 where a service may conflict.
6. A row per (route, method) in ``crous_admin/tests/test_permission_matrix_api.py``, and a
   query-budget test on lists.
"""
