"""Observers: deputies, CPPCC members, experts, citizens and invited supervisors."""
