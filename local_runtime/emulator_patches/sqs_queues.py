"""An SQS queue keeps every message under concurrent calls in the embedded AWS, as on AWS.

moto's DeleteMessage rebuilds a queue's message list from a copy and puts the copy back; a message
sent (or fanned out from SNS) to the queue meanwhile is appended to the old list and silently lost.
At 45 orders/s this lost about one order in a thousand, with no error anywhere. Its ReceiveMessage
also walks the queue's in-flight set while other calls change it ("Set changed size during
iteration", a 500) and can hand one message to two concurrent receivers. moto's own per-queue
condition already guards sends; the calls that change the list take it too. Its lock is re-entrant
and a long poll's wait releases it, so a waiting receive never holds the queue.

A long poll also ends, empty, when a stopping runtime releases the waits (wait_release.py).
"""

from __future__ import annotations

import collections
import functools
import threading

from moto.sqs.models import Queue, SQSBackend

from local_runtime.emulator_patches import wait_release

_installed = False
_waiting: collections.Counter[Queue] = collections.Counter()  # long polls waiting, per queue
_waiting_lock = threading.Lock()


class _WaitReleased(Exception):
    """Ends moto's receive loop, which would otherwise wait on for the rest of its poll."""


def _wait_unless_released(self, timeout: int) -> None:
    with self._messages_lock:
        with _waiting_lock:
            _waiting[self] += 1
        try:
            self._messages_lock.wait_for(lambda: self.messages or wait_release.released.is_set(), timeout=timeout)
        finally:
            with _waiting_lock:
                _waiting[self] -= 1
                if not _waiting[self]:
                    del _waiting[self]
        if not self.messages and wait_release.released.is_set():
            raise _WaitReleased


def _wake_waiting() -> None:
    with _waiting_lock:
        queues = list(_waiting)
    for queue in queues:
        with queue._messages_lock:
            queue._messages_lock.notify_all()


def _empty_when_released(receive):
    @functools.wraps(receive)
    def receive_or_empty(self, *args, **kwargs):
        try:
            return receive(self, *args, **kwargs)
        except _WaitReleased:
            return []  # moto waits only when it has found nothing to return

    return receive_or_empty


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
    Queue.wait_for_messages = _wait_unless_released
    for name in ("receive_message", "change_message_visibility", "purge_queue"):
        setattr(SQSBackend, name, _holding_queue_lock(getattr(SQSBackend, name)))
    SQSBackend.receive_message = _empty_when_released(SQSBackend.receive_message)
    wait_release.on_release(_wake_waiting)
