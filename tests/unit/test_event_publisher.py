"""PutEvents batching and retry of failed entries only (AWS answers stubbed)."""

import json

import pytest
from botocore.stub import ANY, Stubber

from chalicelib.aws import event_publisher
from chalicelib.aws.clients import client


@pytest.fixture
def stubbed(monkeypatch):
    monkeypatch.setenv("RESOURCE_PREFIX", "p")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    events = client("events")
    with Stubber(events) as stub:
        yield stub
        stub.assert_no_pending_responses()


def ok(n):
    return {"FailedEntryCount": 0, "Entries": [{"EventId": str(i)} for i in range(n)]}


def entries(details):
    return [
        {"EventBusName": "p-orders", "Source": "app.test", "DetailType": "T", "Detail": json.dumps(d)} for d in details
    ]


def test_sends_batches_of_at_most_ten(stubbed):
    stubbed.add_response("put_events", ok(10), {"Entries": ANY})
    stubbed.add_response("put_events", ok(10), {"Entries": ANY})
    stubbed.add_response("put_events", ok(3), {"Entries": ANY})
    assert event_publisher.put("app.test", [("T", {"n": i}) for i in range(23)]) == 23


def test_retries_only_the_failed_entries(stubbed):
    first = {
        "FailedEntryCount": 1,
        "Entries": [{"EventId": "a"}, {"ErrorCode": "InternalFailure", "ErrorMessage": "x"}, {"EventId": "c"}],
    }
    stubbed.add_response("put_events", first, {"Entries": entries([{"n": 0}, {"n": 1}, {"n": 2}])})
    stubbed.add_response("put_events", ok(1), {"Entries": entries([{"n": 1}])})
    event_publisher.put("app.test", [("T", {"n": i}) for i in range(3)], backoff=0)


def test_raises_after_the_last_attempt(stubbed):
    failed = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}]}
    for _ in range(event_publisher.ATTEMPTS):
        stubbed.add_response("put_events", failed, {"Entries": entries([{"n": 0}])})
    with pytest.raises(event_publisher.PublishFailed, match="ThrottlingException"):
        event_publisher.put("app.test", [("T", {"n": 0})], backoff=0)
