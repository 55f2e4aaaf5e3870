"""Demo data for `flask demo load`."""
