"""Where an episode's viewers listen: the /live namespace and one room per episode.

The one place these names are spelled: the live room joins viewers to the room, and the
episode's state changes, notes and published follow-ups are emitted to it.
"""
from __future__ import annotations

#: The Socket.IO namespace of the live room.
NAMESPACE = "/live"


def episode_room(episode_id: int) -> str:
    """The room of an episode's viewers."""
    return f"episode:{episode_id}"
