"""emulator_patches/sqs_queues.py: a message sent while another is deleted is kept, as on AWS."""

from __future__ import annotations

import threading

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sqs.models import sqs_backends

from local_runtime.emulator_patches import sqs_queues


class _SendsWhenWalkedToTheEnd(list):
    """A queue's message list that, once, lets another thread send just after a walk over it ends.

    That is the moment moto's DeleteMessage has copied the list and not yet put the copy back:
    under load a thread switch lands there now and then and the sent message was lost.
    """

    def __init__(self, items, send) -> None:
        super().__init__(items)
        self._send, self._sent = send, None

    def __iter__(self):
        yield from super().__iter__()
        if self._sent is None:
            self._sent = threading.Thread(target=self._send)
            self._sent.start()
            self._sent.join(0.5)  # unpatched, the send lands now; patched, it waits for the delete


def test_a_message_sent_while_another_is_deleted_is_kept(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    sqs_queues.install()
    with mock_aws():
        sqs = boto3.client("sqs", aws_access_key_id="x", aws_secret_access_key="x")
        url = sqs.create_queue(QueueName="kept")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="first")
        first = sqs.receive_message(QueueUrl=url)["Messages"][0]
        backend = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        queue = backend.get_queue("kept")
        walked = queue._messages = _SendsWhenWalkedToTheEnd(
            queue._messages, lambda: backend.send_message("kept", "sent meanwhile")
        )

        sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
        walked._sent.join()

        left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        assert [m["Body"] for m in left] == ["sent meanwhile"]
