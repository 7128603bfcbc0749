"""An SQS queue keeps every message under concurrent calls in the embedded AWS, as on AWS.

moto's DeleteMessage rebuilds a queue's message list from a copy and puts the copy back; a message
sent (or fanned out from SNS) to the queue meanwhile is appended to the old list and silently lost.
At 45 orders/s this lost about one order in a thousand, with no error anywhere. Its ReceiveMessage
also walks the queue's in-flight set while other calls change it ("Set changed size during
iteration", a 500) and can hand one message to two concurrent receivers. moto's own per-queue
condition already guards sends; the calls that change the list take it too. Its lock is re-entrant
and a long poll's wait releases it, so a waiting receive never holds the queue.
"""

from __future__ import annotations

import functools

from moto.sqs.models import Queue, SQSBackend

_installed = False


def _holding_queue_lock(operation):
    @functools.wraps(operation)
    def locked(self, queue_name, *args, **kwargs):
        with self.get_queue(queue_name)._messages_lock:
            return operation(self, queue_name, *args, **kwargs)

    return locked


def _delete_holding_lock(delete):
    @functools.wraps(delete)
    def locked(self, receipt_handle):
        with self._messages_lock:
            return delete(self, receipt_handle)

    return locked


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    Queue.delete_message = _delete_holding_lock(Queue.delete_message)
    for name in ("receive_message", "change_message_visibility", "purge_queue"):
        setattr(SQSBackend, name, _holding_queue_lock(getattr(SQSBackend, name)))
