"""The polls blueprint, alone, so its route modules share it without importing each other.

Its views: the public poll pages (routes.py) and the coordinator's (routes_admin.py).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("polls", __name__, url_prefix="/polls")
