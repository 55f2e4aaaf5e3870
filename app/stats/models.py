"""Monthly supervision bulletins (月度监督通报), archived once generated."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.extensions import db


class Bulletin(db.Model):
    """One month's bulletin: its HTML and the path of its PDF."""

    __tablename__ = "bulletins"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: YYYY-MM in the display time zone; one bulletin per month (the sweep's dedupe key).
    month: Mapped[str] = mapped_column(String(7), unique=True)
    #: The rendered bulletin page (stand-alone HTML, also the PDF's source).
    html: Mapped[str] = mapped_column(Text)
    #: File name of the PDF under the instance's bulletins/ directory (None if rendering failed).
    pdf_path: Mapped[str | None] = mapped_column(String(255))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The coordinator who asked for it; None when the scheduler generated it.
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
