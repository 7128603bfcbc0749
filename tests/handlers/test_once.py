"""The one once-writer: a conditional marker and its effects in one transaction, or neither."""

import pytest

from chalicelib.aws import read_models_table
from chalicelib.aws.once import Refused, write_once
from chalicelib.resource_names import physical_name


def marker(sk: str) -> dict:
    table = physical_name("read-models")
    return {"TableName": table, "Item": {"pk": "m", "sk": sk}, "ConditionExpression": "attribute_not_exists(pk)"}


def effect(condition: str | None = None, sk: str = "count") -> dict:
    update = {
        "TableName": physical_name("read-models"),
        "Key": {"pk": "e", "sk": sk},
        "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": 1},
    }
    if condition:
        update["ConditionExpression"] = condition
    return {"Update": update}


def count() -> int:
    item = read_models_table.get("e", "count")
    return int(item["n"]) if item else 0


def test_the_effect_happens_once_and_a_repeat_is_told_the_marker_exists(aws):
    assert write_once(marker("a"), [effect()]) is None
    assert write_once(marker("a"), [effect()]) == Refused(marker_exists=True, failed_effects=())
    assert count() == 1


def test_an_effects_own_condition_is_reported_by_position_and_nothing_is_written(aws):
    refused = write_once(marker("b"), [effect(), effect("attribute_exists(nothing_here)", sk="other")])
    assert refused == Refused(marker_exists=False, failed_effects=(1,))
    assert read_models_table.get("m", "b") is None and count() == 0


def test_a_marker_without_a_condition_is_refused_before_any_write(aws):
    unguarded = {k: v for k, v in marker("c").items() if k != "ConditionExpression"}
    with pytest.raises(ValueError, match="condition"):
        write_once(unguarded, [effect()])
