"""Searches that join several areas, above all of them (episodes, findings, the live room)."""
