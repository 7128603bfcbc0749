"""Operator commands run from a checkout against a stage (local or AWS); never shipped to Lambda."""
