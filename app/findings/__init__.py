"""Findings and follow-up (回头看)."""
