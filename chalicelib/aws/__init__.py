"""Adapters to AWS shared by every domain: clients, ARNs, topics, the bus, workflows, the read-models table, once-writes.

Each domain's own table has its adapter in that domain (orders/repository.py, payments/repository.py);
those and this package are the only modules that import boto3 (idempotency.py hands Powertools a client).
"""
