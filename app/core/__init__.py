"""Cross-cutting pieces: database helpers, errors, auth, clock, realtime."""
