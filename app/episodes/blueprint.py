"""The episodes blueprint, alone, so its route modules share it without importing each other.

Its views: the public episode pages (routes.py) and the coordinator's (manage.py).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("episodes", __name__)
