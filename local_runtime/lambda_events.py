"""Lambda event shapes, built exactly as AWS delivers them (also used by handler tests)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from boto3.dynamodb.types import TypeSerializer

REGION = "us-east-1"
ACCOUNT = "123456789012"
_serializer = TypeSerializer()


def sqs_event(messages: list[dict], queue_arn: str) -> dict:
    """An SQS batch event from ReceiveMessage results (AttributeNames=All)."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {
                    name: {
                        "stringValue": a.get("StringValue"),
                        "binaryValue": a.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": a["DataType"],
                    }
                    for name, a in (m.get("MessageAttributes") or {}).items()
                },
                "md5OfBody": m.get("MD5OfBody"),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


def sns_event(notification: dict, subscription_arn: str) -> dict:
    """The one-record event SNS gives a Lambda subscriber, from the notification JSON SNS sends SQS."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": notification.get("Type", "Notification"),
                    "MessageId": notification["MessageId"],
                    "TopicArn": notification["TopicArn"],
                    "Subject": notification.get("Subject"),
                    "Message": notification["Message"],
                    "Timestamp": notification["Timestamp"],
                    "SignatureVersion": notification.get("SignatureVersion", "1"),
                    "Signature": notification.get("Signature", "EXAMPLE"),
                    "SigningCertUrl": notification.get(
                        "SigningCertURL", "https://sns.us-east-1.amazonaws.com/local.pem"
                    ),
                    "UnsubscribeUrl": notification.get("UnsubscribeURL", "https://sns.us-east-1.amazonaws.com/local"),
                    "MessageAttributes": notification.get("MessageAttributes") or {},
                },
            }
        ]
    }


def dynamodb_event(records: list[dict], stream_arn: str) -> dict:
    """A stream batch event from GetRecords results."""
    return {"Records": [dynamodb_record(r, stream_arn) for r in records]}


def dynamodb_record(record: dict, stream_arn: str) -> dict:
    """One GetRecords record as Lambda and Pipes see it (timestamps as epoch seconds)."""
    stream = dict(record["dynamodb"])
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        stream["ApproximateCreationDateTime"] = created.timestamp()
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", REGION),
        "dynamodb": stream,
        "eventSourceARN": stream_arn,
    }


def stream_record(
    event_name: str, keys: dict, old: dict | None = None, new: dict | None = None, sequence: int = 1
) -> dict:
    """A DynamoDB stream record from plain Python images (for tests and tools)."""

    def image(value: dict) -> dict:
        return {k: _serializer.serialize(v) for k, v in value.items()}

    stream = {
        "ApproximateCreationDateTime": time.time(),
        "Keys": image(keys),
        "SequenceNumber": str(sequence).zfill(21),
        "SizeBytes": 100,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if old is not None:
        stream["OldImage"] = image(old)
    if new is not None:
        stream["NewImage"] = image(new)
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": stream,
        "eventSourceARN": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t/stream/2026",
    }


def scheduled_event(rule_arn: str, at: datetime | None = None) -> dict:
    """What EventBridge Scheduler / a schedule rule sends a function."""
    at = at or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [rule_arn],
        "detail": {},
    }


def eventbridge_event(event: dict) -> dict:
    """An event as a rule target receives it; moto's copy lacks `account`."""
    return {"account": ACCOUNT, **event}
