"""Enforcement agencies and enforcement domains."""
