"""The parties blueprint, alone, so its route modules share it without importing each other.

Its views: the register and reviews (routes.py), the one-time code pages (routes_code.py) and conduct
complaints (routes_complaints.py).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("parties", __name__)
