"""The sensitive-word filter: an Aho-Corasick automaton (pyahocorasick) over the coordinator's list.

The automaton is built once and cached; editing the list rebuilds it in this process at
once, and other processes reload it after LIVE_WORDS_TTL seconds.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime

import ahocorasick
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.auth import Actor
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.live.access import require_moderator
from app.live.models import SensitiveWord
from app.notifications.services import audit

_lock = threading.Lock()
_cache: dict = {"automaton": None, "loaded_at": None}


def _build(words: list[str]):
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    if words:
        automaton.make_automaton()
        return automaton
    return None


def invalidate() -> None:
    """Forget the cached automaton (the next comment rebuilds it)."""
    with _lock:
        _cache["loaded_at"] = None


def _automaton():
    ttl = float(current_app.config.get("LIVE_WORDS_TTL", 30))
    with _lock:
        loaded = _cache["loaded_at"]
        if loaded is not None and time.monotonic() - loaded < ttl:
            return _cache["automaton"]
    words = [w.casefold() for w in db.session.scalars(select(SensitiveWord.word))]
    automaton = _build(words)
    with _lock:
        _cache["automaton"], _cache["loaded_at"] = automaton, time.monotonic()
    return automaton


def find_word(text: str) -> str | None:
    """The first listed word in text (case-insensitive), or None."""
    automaton = _automaton()
    if automaton is None:
        return None
    for _end, word in automaton.iter(text.casefold()):
        return word
    return None


def add_word(actor: Actor, word: str, *, now: datetime) -> SensitiveWord:
    """Add a word to the list (coordinator)."""
    require_moderator(actor)
    word = (word or "").strip()
    if not 1 <= len(word) <= 60:
        raise ValidationFailed(_l("A word has 1 to 60 characters."), code="word_invalid")
    if db.session.scalar(select(SensitiveWord.id).where(SensitiveWord.word == word)):
        raise Conflict(_l("This word is already listed."), code="word_exists")
    entry = SensitiveWord(word=word, created_at=now)
    db.session.add(entry)
    db.session.flush()
    audit(actor, "live.word_add", "sensitive_word", entry.id, now=now, data={"word": word})
    from app.core.realtime import after_commit

    after_commit(invalidate)
    return entry


def remove_word(actor: Actor, word_id: int, *, now: datetime) -> None:
    """Remove a word from the list (coordinator)."""
    require_moderator(actor)
    entry = db.session.get(SensitiveWord, word_id)
    if entry is None:
        raise NotFound(_l("No such word."), code="word_not_found")
    audit(actor, "live.word_remove", "sensitive_word", entry.id, now=now, data={"word": entry.word})
    db.session.delete(entry)
    db.session.flush()
    from app.core.realtime import after_commit

    after_commit(invalidate)
