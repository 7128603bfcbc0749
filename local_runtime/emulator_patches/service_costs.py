"""moto's services give the same answers for less CPU: SQS's clock and queue scans, EventBridge's paths.

Profiled under load (30 orders/s), about a quarter of the emulator's CPU went to SQS:
- every visibility check builds datetimes (`unix_time_millis`: utcnow minus the epoch), once per
  message per scan; `time.time()` is the same instant, as a float;
- SendMessage and every received message compute *all* of a queue's attributes (three scans of its
  messages for the approximate counts) to read one setting each (`ContentBasedDeduplication`,
  `MessageRetentionPeriod`). The counts are now taken in one scan, the retention check reads
  the queue's setting directly, and SendMessage to a standard queue skips the look-up: only a
  FIFO queue has `ContentBasedDeduplication` (a backlog of thousands made the scan 4% of the CPU).
After that, a tenth went to EventBridge building a JSONPath parser (ply's tables) for each input
path of each target of each event (`EventTemplateParser.parse`, even with no transformer: moto's
default paths); a parsed path is a pure value, so one per distinct text is kept.
What the services answer does not change; only how much it costs to answer.
"""

from __future__ import annotations

import functools
import json
import string
import time

import jsonpath_ng.ext
from moto.core import utils as core_utils
from moto.core.utils import camelcase_to_underscores
from moto.sqs import models as sqs_models


def _unix_time(dt=None) -> float:
    # moto's own form when given a datetime; "now" without one (freezegun has no place in a server).
    return time.time() if dt is None else core_utils.unix_time(dt)


def _unix_time_millis(dt=None) -> float:
    return time.time() * 1000.0 if dt is None else core_utils.unix_time_millis(dt)


_moto_send_message = sqs_models.SQSBackend.send_message
_COUNTS = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")


def _attributes(self) -> dict:
    """moto's `Queue.attributes`, with its three message counts taken in one scan."""
    now = time.time() * 1000.0
    available = not_visible = delayed = 0
    for message in self._messages:
        # moto's definitions: visible when now > visible_at; delayed when now < delayed_until.
        is_visible, is_delayed = now > message.visible_at, now < message.delayed_until
        available += is_visible and not is_delayed
        not_visible += not is_visible
        delayed += is_delayed
    counts = dict(zip(_COUNTS, (available, not_visible, delayed), strict=True))
    names = list(self.BASE_ATTRIBUTES)
    if self.fifo_queue:
        names += self.FIFO_ATTRIBUTES
    if self.kms_master_key_id:
        names += self.KMS_ATTRIBUTES
    result = {name: counts[name] if name in counts else getattr(self, _snake(name)) for name in names}
    if self.policy:
        result["Policy"] = self.policy
    if self.redrive_policy:
        result["RedrivePolicy"] = json.dumps(self.redrive_policy)
    return {key: str(value).lower() if isinstance(value, bool) else value for key, value in result.items()}


@functools.cache
def _snake(name: str) -> str:
    return camelcase_to_underscores(name)


def _send_message(
    self,
    queue_name: str,
    message_body: str,
    message_attributes: dict | None = None,
    delay_seconds: int | None = None,
    deduplication_id: str | None = None,
    group_id: str | None = None,
    system_attributes: dict | None = None,
    validate_group_id: bool = True,
) -> sqs_models.Message:
    """moto's `SQSBackend.send_message`; a FIFO queue goes through moto's own."""
    queue = self.get_queue(queue_name)
    if queue.fifo_queue:
        return _moto_send_message(
            self,
            queue_name,
            message_body,
            message_attributes,
            delay_seconds,
            deduplication_id,
            group_id,
            system_attributes,
            validate_group_id,
        )
    self._validate_message(
        queue,
        message_body=message_body,
        delay_seconds=int(delay_seconds or 0),
        deduplication_id=deduplication_id,
        group_id=group_id,
        validate_group_id=validate_group_id,
    )
    delay_seconds = int(delay_seconds) if delay_seconds is not None else queue.delay_seconds
    message = sqs_models.Message(str(sqs_models.random.uuid4()), message_body, system_attributes)
    # moto reads `queue.attributes.get("ContentBasedDeduplication")` here: None for a standard queue.
    if deduplication_id is not None:
        message.deduplication_id = deduplication_id
        message.sequence_number = "".join(sqs_models.random.choice(string.digits) for _ in range(20))
    if group_id is not None:
        message.group_id = group_id
    if message_attributes:
        message.message_attributes = message_attributes
    if delay_seconds > sqs_models.MAXIMUM_MESSAGE_DELAY:
        msg = (
            f"Value {delay_seconds} for parameter DelaySeconds is invalid. "
            "Reason: DelaySeconds must be >= 0 and <= 900."
        )
        raise sqs_models.InvalidParameterValue(msg)
    message.mark_sent(delay_seconds=delay_seconds)
    queue.add_message(message)
    return message


def _is_message_valid_based_on_retention_period(self, queue_name: str, message) -> bool:
    queue = self.get_queue(queue_name)
    return int(queue.message_retention_period) + message.sent_timestamp / 1000 > time.time()


def install() -> None:
    # moto's EventTemplateParser imports `parse` from the package on each call, so this reaches it.
    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.parse)
    sqs_models.unix_time = _unix_time
    sqs_models.unix_time_millis = _unix_time_millis
    sqs_models.Queue.attributes = property(_attributes)
    sqs_models.SQSBackend.send_message = _send_message
    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = _is_message_valid_based_on_retention_period
