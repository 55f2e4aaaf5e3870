"""Accounts: users, roles, log-in, API tokens."""
