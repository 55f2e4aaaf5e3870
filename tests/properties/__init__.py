"""Property-based (hypothesis state machine) tests of the poll, episode and finding rules."""
