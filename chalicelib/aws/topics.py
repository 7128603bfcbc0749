"""Publishing to our SNS topics by logical name."""

from __future__ import annotations

import json

from chalicelib.aws.arns import topic_arn
from chalicelib.aws.clients import client


def publish(logical: str, message: dict) -> str:
    """Publish ``message`` as JSON to the topic declared as ``logical``; returns the MessageId."""
    response = client("sns").publish(TopicArn=topic_arn(logical), Message=json.dumps(message, separators=(",", ":")))
    return response["MessageId"]
