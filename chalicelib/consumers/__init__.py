"""Consumers of the order-created fan-out (SQS <- SNS <- EventBridge), and the batch processing all our batches share."""
