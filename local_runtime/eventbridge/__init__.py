"""EventBridge's pattern and input-transformer semantics: the one implementation every local path uses.

Provisioned rules (`rule_targets.py`), rules users add to the embedded AWS
(`emulator_patches/eventbridge.py`), pipe filters and templates (`pipes.py`) and TestEventPattern.
"""

from local_runtime.eventbridge.errors import InvalidEventPattern, InvalidTransformer
from local_runtime.eventbridge.patterns import BUS, PIPE, EventPattern
from local_runtime.eventbridge.transformer import InputTransformer

__all__ = ["BUS", "PIPE", "EventPattern", "InputTransformer", "InvalidEventPattern", "InvalidTransformer"]
