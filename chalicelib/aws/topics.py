"""Publishing to our SNS topics by logical name."""

from __future__ import annotations

import json

from chalicelib.aws.arns import topic_arn
from chalicelib.aws.clients import client


def publish(
    logical: str, message: dict, *, subject: str | None = None, attributes: dict[str, str] | None = None
) -> str:
    """Publish ``message`` as JSON to the topic declared as ``logical``; returns the MessageId.

    ``attributes`` become String message attributes, which subscribers' filter policies match.
    """
    request = {"TopicArn": topic_arn(logical), "Message": json.dumps(message, separators=(",", ":"))}
    if subject:
        request["Subject"] = subject[:100]  # SNS's limit
    if attributes:
        request["MessageAttributes"] = {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()}
    return client("sns").publish(**request)["MessageId"]
