"""The live room's services in one place (each lives in its own module)."""
from __future__ import annotations

from app.live.comments import answer, history, pin, pinned_item, post_comment, questions, upvote
from app.live.moderation import approve, ban, held, hide, mute, set_slow_mode, unban, unhide, unmute
from app.live.notes import notes, post_note, save_note_image
from app.live.words import add_word, remove_word

__all__ = ["post_comment", "history", "answer", "upvote", "questions", "pin", "pinned_item",
           "approve", "hide", "unhide", "held", "mute", "unmute", "ban", "unban", "set_slow_mode",
           "post_note", "notes", "save_note_image", "add_word", "remove_word"]
