"""The fault injector (LOCAL_LAMBDA_FAULTS) and its seam, Invoker.invoke (issue 9, point 2)."""

from __future__ import annotations

import logging

import pytest
from chalice import Chalice

from local_runtime.faults import FaultInjector
from local_runtime.invoke import FunctionError, Invoker


def test_the_count_form_keeps_its_meaning():
    faults = FaultInjector("payment_processor=2, payment_enricher=1:PaymentTransientError")

    def error_of(function):
        fault = faults.decide(function)
        return fault.error_type if fault else None

    assert [error_of("payment_processor") for _ in range(3)] == ["Lambda.ServiceException"] * 2 + [None]
    assert error_of("payment_enricher") == "PaymentTransientError"
    assert error_of("payment_validator") is None


def test_a_rate_is_seeded_so_a_run_repeats_and_applies_per_function():
    def draws_of(injector):
        return [bool(injector.decide("f")) for _ in range(200)]

    draws = [draws_of(FaultInjector("*=30%", seed=7)) for _ in range(2)]
    assert draws[0] == draws[1]
    assert 30 < sum(draws[0]) < 90  # about 60 of 200
    assert draws_of(FaultInjector("*=30%", seed=8)) != draws[0]
    # Another function's calls do not shift this one's sequence.
    mixed = FaultInjector("*=30%", seed=7)
    sequence = []
    for _ in range(200):
        mixed.decide("g")
        sequence.append(bool(mixed.decide("f")))
    assert sequence == draws[0]


def test_when_before_after_and_either():
    assert FaultInjector("f=1@after").decide("f").when == "after"
    assert FaultInjector("f=1@after").decide("f").error_type == "Sandbox.Timedout"
    assert FaultInjector("f=1").decide("f").when == "before"
    either = FaultInjector("*=100%@either", seed=1)
    whens = [either.decide("f").when for _ in range(200)]
    assert 60 < whens.count("before") < 140 and whens.count("before") + whens.count("after") == 200


def test_a_named_function_wins_over_the_wildcard():
    faults = FaultInjector("*=100%, quiet=0")
    assert faults.decide("quiet") is None
    assert faults.decide("loud") is not None


@pytest.mark.parametrize("spec", ["f", "f=x", "f=1@sometimes", "f=150%", "=1"])
def test_a_malformed_spec_is_refused_with_the_syntax(spec):
    with pytest.raises(ValueError, match="LOCAL_LAMBDA_FAULTS"):
        FaultInjector(spec)


def invoker_with(spec: str, effects: list) -> Invoker:
    app = Chalice("faults-test")

    @app.lambda_function(name="worker")
    def worker(event, context):
        effects.append(event)
        return {"done": event}

    return Invoker(app, "faults-test", "local", faults=FaultInjector(spec))


def test_before_fails_without_running_the_handler(caplog):
    effects = []
    invoker = invoker_with("worker=1", effects)
    with caplog.at_level(logging.INFO, logger="trace"), pytest.raises(FunctionError) as failed:
        invoker.invoke("worker", 1, "sqs:q")
    assert effects == []
    assert failed.value.error.error_type == "Lambda.ServiceException"
    assert "Lambda.ServiceException" in str(failed.value)
    assert "fault injected before the handler (LOCAL_LAMBDA_FAULTS)" in caplog.text
    assert invoker.invoke("worker", 2, "sqs:q") == {"done": 2}  # the count is used up


def test_after_runs_the_handler_then_reports_an_error(caplog):
    effects = []
    invoker = invoker_with("worker=1@after", effects)
    with caplog.at_level(logging.INFO, logger="trace"), pytest.raises(FunctionError) as failed:
        invoker.invoke("worker", 1, "rule:r/t", traced=False)
    assert effects == [1]  # the effect happened
    assert failed.value.error.error_type == "Sandbox.Timedout"
    # Traced even when the caller asked for no trace: a fault must always be visible.
    assert "rule:r/t" in caplog.text and "after the handler's effect" in caplog.text
