"""The library blueprint, alone, so its route modules share it without importing each other.

Its views: the public reading pages (routes.py) and the coordinator's catalogue (routes_manage.py).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("library", __name__, url_prefix="/library")
