"""Bulk import of allocation results: ``assignments`` (the service) reads with ``parsing``,
checks with ``validation``, writes with ``writing`` and answers with a ``report``."""
