"""Pages of the episodes area."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("episodes", __name__)
