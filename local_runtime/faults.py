"""Injected function failures, for every delivery the runtime makes (LOCAL_LAMBDA_FAULTS).

Syntax: comma-separated rules ``<function or *>=<amount>[:<ErrorType>][@<when>]``, where
``amount`` is a count (``2``: the first two calls fail) or a rate (``10%``: each call fails
with that probability, drawn from a generator seeded by LOCAL_LAMBDA_FAULTS_SEED and the
function's name, so a run repeats), and ``when`` is ``before`` (the default: the handler
never runs), ``after`` (the handler runs and its effect stays, then the call fails, as a
Lambda timeout after the side effect would) or ``either`` (half of each).
A rule naming a function wins over ``*``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

BEFORE, AFTER, EITHER = "before", "after", "either"
# What Lambda reports: a service failure before the handler, a timeout after it.
DEFAULT_ERROR = {BEFORE: "Lambda.ServiceException", AFTER: "Sandbox.Timedout"}
ANY_FUNCTION = "*"


class FaultSpecError(ValueError):
    """LOCAL_LAMBDA_FAULTS cannot be followed; the message says which part and why."""


class InjectedFault(Exception):
    """A failure the fault injector made up; ``error_type`` is what Lambda would report."""

    def __init__(self, error_type: str, when: str) -> None:
        detail = "before the handler" if when == BEFORE else "after the handler's effect"
        super().__init__(f"injected {detail}")
        self.error_type, self.when = error_type, when


@dataclass
class Fault:
    error_type: str
    when: str  # BEFORE or AFTER

    def error(self) -> InjectedFault:
        return InjectedFault(self.error_type, self.when)


@dataclass
class _Rule:
    count: int | None
    rate: float | None
    error_type: str | None
    when: str


def _parse_rule(text: str) -> tuple[str, _Rule]:
    function, equals, rest = text.partition("=")
    if not equals or not function.strip():
        raise FaultSpecError(f"LOCAL_LAMBDA_FAULTS: {text!r} is not <function>=<count or rate>[:<ErrorType>][@<when>]")
    rest, _, when = rest.partition("@")
    amount, _, error_type = rest.partition(":")
    when = when.strip() or BEFORE
    if when not in (BEFORE, AFTER, EITHER):
        raise FaultSpecError(f"LOCAL_LAMBDA_FAULTS: {text!r}: when is before, after or either, not {when!r}")
    amount = amount.strip()
    try:
        count, rate = (None, float(amount[:-1]) / 100) if amount.endswith("%") else (int(amount), None)
    except ValueError:
        raise FaultSpecError(f"LOCAL_LAMBDA_FAULTS: {text!r}: the amount is a count (2) or a rate (10%)") from None
    if rate is not None and not 0 <= rate <= 1:
        raise FaultSpecError(f"LOCAL_LAMBDA_FAULTS: {text!r}: a rate is between 0% and 100%")
    return function.strip(), _Rule(count, rate, error_type.strip() or None, when)


class FaultInjector:
    """Decides, per invocation, whether and where a function call fails."""

    def __init__(self, spec: str = "", seed: int | str = 0) -> None:
        self.spec = spec.strip()
        self._rules = dict(_parse_rule(part.strip()) for part in self.spec.split(",") if part.strip())
        self._seed = seed
        self._randoms: dict[str, random.Random] = {}
        self._lock = threading.Lock()

    def check_functions(self, known) -> None:
        """FaultSpecError naming any function a rule names that ``known`` (the app's) does not have."""
        unknown = sorted(set(self._rules) - {ANY_FUNCTION} - set(known))
        if unknown:
            raise FaultSpecError(
                f"LOCAL_LAMBDA_FAULTS names {', '.join(unknown)}, not a function of this app; "
                f"its functions: {', '.join(sorted(known))}"
            )

    def __bool__(self) -> bool:
        return bool(self._rules)

    def decide(self, function: str) -> Fault | None:
        """The fault this call of ``function`` gets, or None to run it normally."""
        rule = self._rules.get(function) or self._rules.get(ANY_FUNCTION)
        if rule is None:
            return None
        with self._lock:
            # One generator per function: its draws do not depend on other functions' timing.
            draw = self._randoms.setdefault(function, random.Random(f"{self._seed}:{function}"))
            if rule.count is not None:
                if rule.count <= 0:
                    return None
                rule.count -= 1
            elif draw.random() >= rule.rate:
                return None
            when = rule.when if rule.when != EITHER else draw.choice((BEFORE, AFTER))
        return Fault(rule.error_type or DEFAULT_ERROR[when], when)


def from_env(environ) -> FaultInjector:
    """The injector LOCAL_LAMBDA_FAULTS and LOCAL_LAMBDA_FAULTS_SEED describe."""
    return FaultInjector(environ.get("LOCAL_LAMBDA_FAULTS", ""), environ.get("LOCAL_LAMBDA_FAULTS_SEED", "0"))
