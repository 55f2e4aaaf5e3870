"""Subscriptions, site notifications and the audit log."""
