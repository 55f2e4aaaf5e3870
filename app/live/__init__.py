"""The live room: comments, questions, likes, live notes, moderation."""
