"""The orders domain: model, status transitions, totals. No AWS here."""
