"""Payments: the event, its rules, and the three Step Functions tasks that process it."""
