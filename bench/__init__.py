"""Benchmarks of crous-admin, run with ``make bench`` (``python -m bench``).

The API list benchmark seeds a national installation's volume into a database of its own,
serves the project with gunicorn on the loopback interface and compares the real list
endpoints with a bare DRF baseline over the same tables. See docs/benchmarks.md.
"""
