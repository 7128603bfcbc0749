"""Dev-only: runs the whole system on one machine (never shipped to Lambda)."""
