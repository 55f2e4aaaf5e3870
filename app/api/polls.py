"""API: polls, topics, proposals, votes and results."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.api.envelope import errors_doc

blp = Blueprint("api_polls", __name__, url_prefix="/api/v1", description="Topic polls")
_alt = errors_doc(blp)
