"""Public topic polls (民意征集)."""
