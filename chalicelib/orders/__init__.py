"""The orders domain: model, status transitions, totals, and which events a change stands for.

Pure but for repository.py, the orders table's DynamoDB adapter (conditional writes, index queries).
"""
