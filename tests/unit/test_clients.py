"""chalicelib.aws.clients: one client per service, and per-thread Tables on one shared document client."""

from __future__ import annotations

import threading

from chalicelib.aws import clients
from chalicelib.resource_names import physical_name


def _in_thread(function):
    result = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join()
    return result[0]


def test_each_thread_has_its_own_tables_on_one_shared_client(aws):
    name = physical_name("orders")
    here = clients.table(name)
    there = _in_thread(lambda: clients.table(name))

    assert clients.table(name) is here  # kept within a thread
    assert there is not here  # resources are not thread-safe: never shared
    assert type(there) is type(here)  # the class boto3 builds from its model is built once
    assert here.meta.client is there.meta.client is clients.document_client()


def test_tables_and_the_document_client_take_plain_values_while_the_low_level_client_stays_typed(aws):
    name = physical_name("read-models")
    _in_thread(lambda: clients.table(name).put_item(Item={"pk": "a", "sk": "1", "n": 2}))
    clients.document_client().put_item(TableName=name, Item={"pk": "a", "sk": "2", "n": 3})

    typed = clients.client("dynamodb").get_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"S": "1"}})
    assert typed["Item"]["n"] == {"N": "2"}
    assert clients.table(name).get_item(Key={"pk": "a", "sk": "2"})["Item"]["n"] == 3


def test_reset_makes_new_tables_for_a_new_endpoint(aws):
    name = physical_name("orders")
    before = clients.table(name)
    clients.reset()
    after = clients.table(name)
    assert after is not before
    assert after.meta.client is clients.document_client() is not before.meta.client


def test_reset_reads_the_environment_again_but_keeps_the_parsed_service_models(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "before")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    clients.reset()
    first = clients.client("sqs")
    model_before = first.meta.service_model._service_description

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "after")
    clients.reset()
    second = clients.client("sqs")

    assert second is not first
    assert second._request_signer._credentials.access_key == "after"  # a new session, from the environment
    # The same parsed model: the loader kept it, instead of parsing botocore's JSON again.
    assert second.meta.service_model._service_description is model_before
    clients.reset()
