"""The findings blueprint, alone, so its route modules share it without importing each other.

Its views: the findings board, reports and the agency's and coordinator's forms (routes.py, routes_manage.py).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("findings", __name__)
