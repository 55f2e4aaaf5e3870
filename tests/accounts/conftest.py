"""Isolated clients for this folder (see tests/security/isolation.py)."""
from tests.security.isolation import client, login_as  # noqa: F401  (fixtures)
