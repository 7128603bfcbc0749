"""Queue consumers fed by the order-created fan-out (SQS <- SNS <- EventBridge)."""
