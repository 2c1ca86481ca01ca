"""Visits to households, places and organisations, the work log, and visit plans."""
