"""Derived numbers: per-day event counts and the daily orders report."""
