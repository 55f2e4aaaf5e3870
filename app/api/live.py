"""API: the live room (comments since a sequence, questions, live notes, likes and counts)."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.api.envelope import errors_doc

blp = Blueprint("api_live", __name__, url_prefix="/api/v1", description="Live room")
_alt = errors_doc(blp)
