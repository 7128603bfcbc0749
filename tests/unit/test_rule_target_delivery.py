"""The one delivery policy both rule-target paths follow (provisioned targets and users' targets)."""

from local_runtime.eventbridge import delivery


def test_a_function_error_is_lambda_function_error_on_both_paths():
    assert delivery.error_code(delivery.TargetFunctionError("boom")) == "LambdaFunctionError"
    assert delivery.error_code(delivery.Undeliverable("no input", "InputTransformationFailed")) == (
        "InputTransformationFailed"
    )
    assert delivery.error_code(ConnectionError("refused")) == "ConnectionError"


def test_retries_back_off_doubling_and_are_capped():
    delays = [delivery.retry_delay(attempt) for attempt in range(1, 9)]
    assert delays[:3] == [0.2, 0.4, 0.8]
    assert max(delays) == delivery.RETRY_DELAY_CAP_SECONDS
    assert delays == sorted(delays)


def test_dead_letter_attributes_are_eventbridges():
    attributes = delivery.dead_letter_attributes("arn:rule", "arn:target", delivery.TargetFunctionError("x" * 2000))
    assert {k: v["StringValue"] for k, v in attributes.items() if k != "ERROR_MESSAGE"} == {
        "RULE_ARN": "arn:rule",
        "TARGET_ARN": "arn:target",
        "ERROR_CODE": "LambdaFunctionError",
    }
    assert len(attributes["ERROR_MESSAGE"]["StringValue"]) == 1000
