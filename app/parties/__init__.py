"""Inspected parties (执法对象): register, inspections, one-time codes, statements, alerts."""
