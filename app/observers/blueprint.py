"""The observers blueprint, alone, so its route modules share it without importing each other.

Its views: the registry (routes.py), invitations (routes_invitation.py) and notes (routes_notes.py).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("observers", __name__)
