"""Each function's code against exactly the IAM policy the module gives it.

Every AWS call a function makes is recorded with the ARN it acts on and evaluated against
its policy. (moto's own IAM enforcement cannot do this: for DynamoDB it ignores resources.)
The reverse holds too: every grant the topology's `functions` declares is used by some recorded
call, the scenarios running failure and redelivery paths where grants are only needed there.
"""

from __future__ import annotations

import json
import re
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from fnmatch import fnmatch

import boto3
import botocore.client
import botocore.exceptions
import pytest

import topology
from chalicelib.aws import arns
from chalicelib.orders.model import NewOrder, new_order
from chalicelib.orders.repository import OrdersRepository
from chalicelib.resource_names import physical_name
from infra.build import references
from local_runtime.invoke import FunctionError, Invoker
from local_runtime.lambda_events import scheduled_event, stream_record
from tests.handlers.event_shapes import bridge_event, order_created_detail, order_event_detail, sns_wrapped, sqs_batch

REGION, ACCOUNT = "us-east-1", "123456789012"
_REF = re.compile(r"\$\{[^}]+\}")


def _moto_arns() -> dict[str, str]:
    """The ARN moto gives each declared resource, keyed by the reference infra/build/references.py spells for it."""
    declared = topology.document(topology.default())

    def arn(service: str, resource: str) -> str:
        return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"

    found = {references.BUS_ARN: arn("events", f"event-bus/{physical_name(declared['event_bus']['name'])}")}
    for table in declared["tables"]:
        found[references.table_arn(table)] = arn("dynamodb", f"table/{physical_name(table)}")
        found[references.stream_arn(table)] = arn("dynamodb", f"table/{physical_name(table)}/stream/*")
    for queue in declared["queues"]:
        found[references.queue_arn(queue)] = arn("sqs", physical_name(queue))
    for topic in declared["topics"]:
        found[references.topic_arn(topic)] = arn("sns", physical_name(topic))
    for machine in declared["state_machines"]:
        found[references.state_machine_arn(machine)] = arn("states", f"stateMachine:{physical_name(machine)}")
    return found


def concrete(reference: str) -> str:
    """The ARN moto gives the resource a Terraform reference (``${...}``) names; logs and KMS are not exercised."""
    return _moto_arns().get(reference, f"arn:aws:unused:{REGION}:{ACCOUNT}:{reference}")


def concrete_policy(value):
    """The policy with every Terraform reference replaced by moto's ARN."""
    if isinstance(value, dict):
        return {k: concrete_policy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [concrete_policy(v) for v in value]
    if isinstance(value, str):
        return _REF.sub(lambda m: concrete(m.group(0)), value)
    return value


# boto3 service name -> IAM action prefix, where they differ.
_IAM_PREFIX = {"stepfunctions": "states"}
# Calls AWS allows whatever the policy says.
_ALWAYS_ALLOWED = {"sts:GetCallerIdentity"}


def _resources(service: str, params: dict) -> list[str]:
    """The ARNs a call acts on, as IAM evaluates it."""
    base = f"arn:aws:{service}:{REGION}:{ACCOUNT}"
    if service == "dynamodb":
        table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{params['TableName']}"
        return [f"{table}/index/{params['IndexName']}" if "IndexName" in params else table]
    if service == "sns":
        return [params["TopicArn"]]
    if service == "sqs":
        return [f"{base}:{params.get('QueueName') or params['QueueUrl'].rsplit('/', 1)[1]}"]
    if service == "events":
        buses = {e.get("EventBusName", "default") for e in params["Entries"]}
        return [b if b.startswith("arn:") else f"{base}:event-bus/{b}" for b in buses]
    if service == "stepfunctions":
        return [params["stateMachineArn"]]
    raise AssertionError(f"no resource rule for {service}; add one")


def allowed(policy: dict, action: str, resource: str) -> bool:
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if (
            statement["Effect"] == "Allow"
            and any(fnmatch(action, a) for a in actions)
            and any(fnmatch(resource, r) for r in resources)
        ):
            return True
    return False


# A transaction's items are authorized one by one, each as its own action on its own table.
_TRANSACTION_ITEMS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def _actions(service: str, operation: str, params: dict) -> list[tuple[str, str]]:
    """The (action, resource) pairs IAM evaluates for one call."""
    if service == "dynamodb" and operation in ("TransactWriteItems", "TransactGetItems"):
        pairs = []
        for item in params["TransactItems"]:
            for kind, spec in item.items():
                pairs.append((f"dynamodb:{_TRANSACTION_ITEMS[kind]}", *_resources(service, spec)))
        return pairs
    if service == "dynamodb" and operation in ("BatchWriteItem", "BatchGetItem"):
        return [(f"dynamodb:{operation}", *_resources(service, {"TableName": t})) for t in params["RequestItems"]]
    action = f"{_IAM_PREFIX.get(service, service)}:{operation}"
    if action in _ALWAYS_ALLOWED:
        return []
    return [(action, resource) for resource in _resources(service, params)]


@contextmanager
def recorded_calls(fail_once: tuple[str, str] | None = None):
    """Every AWS call made in the block, as (action, resource) pairs.

    ``fail_once``: (action pattern, logical resource name); the first call matching it is
    recorded (IAM allowed it) and then throttled, so the code's failure path runs.
    """
    calls: list[tuple[str, str]] = []
    original = botocore.client.BaseClient._make_api_call
    pending = [fail_once] if fail_once else []

    def recording(client, operation, params):
        pairs = _actions(client.meta.service_model.service_name, operation, params)
        calls.extend(pairs)
        if pending and any(_matches(pending[0], a, r) for a, r in pairs):
            pending.clear()
            error = {"Code": "ProvisionedThroughputExceededException", "Message": "injected by the test"}
            raise botocore.exceptions.ClientError({"Error": error}, operation)
        return original(client, operation, params)

    botocore.client.BaseClient._make_api_call = recording
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original
    assert not pending, f"the injected failure {fail_once} never happened"


def _matches(failure: tuple[str, str], action: str, resource: str) -> bool:
    pattern, name = failure
    return fnmatch(action, pattern) and re.search(rf"[:/]{re.escape(physical_name(name))}(/|$)", resource) is not None


def denied(policy: dict, calls: list[tuple[str, str]]) -> list[str]:
    concrete_ = concrete_policy(policy)
    return sorted({f"{a} on {r}" for a, r in calls if not allowed(concrete_, a, r)})


@pytest.fixture
def world(aws):
    """An order to work on, a state machine to start, and the account id already known."""
    arns.reset()
    arns.account_id()  # STS needs no permission on AWS; resolve it outside enforcement
    order = new_order(
        NewOrder(customerId="c-1", customerEmail="a@example.com", items=[{"sku": "A", "qty": 1, "unitPrice": "12.50"}])
    )
    OrdersRepository().put_new(order)
    boto3.client("stepfunctions").create_state_machine(
        name=physical_name("payments"),
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
        type="EXPRESS",
    )
    from app import app

    return {"order": order, "invoker": Invoker(app, "orders-platform", "dev"), "app": app}


def payment_state(order) -> dict:
    payment = {
        "paymentId": f"p-{uuid.uuid4().hex[:6]}",
        "orderId": order.orderId,
        "amount": "12.50",
        "currency": "USD",
        "method": "CARD",
        "occurredAt": "2026-01-01T00:00:00Z",
    }
    return {
        "payment": payment,
        "paymentId": payment["paymentId"],
        "orderId": order.orderId,
        "receivedAt": "2026-01-01T00:00:00.000Z",
        "messageId": "m-1",
        "correlationId": "req-1",
    }


def enriched_state(order) -> dict:
    """What Process receives: Validate's and Enrich's output (both pure: no AWS calls)."""
    from chalicelib.payments import enricher, validator

    return enricher.handle(validator.handle(payment_state(order)))


def sns_event(message: dict) -> dict:
    notification = json.loads(sns_wrapped(json.dumps(message)))
    from local_runtime.lambda_events import sns_event as build

    return build(notification, "arn:aws:sns:us-east-1:123456789012:sub")


def order_created_batch() -> dict:
    return sqs_batch([sns_wrapped(json.dumps(bridge_event("OrderCreated", order_created_detail(uuid.uuid4().hex))))])


def _rule_event(function: str, order) -> dict:
    """For a bus rule's function with no scenario of its own: an event its rule's pattern names."""
    for rule in topology.default().rules.values():
        for target in rule.targets.values():
            if target.function == function and target.input_transformer is None:
                pattern = rule.event_pattern
                source = next((s for s in pattern.get("source", []) if isinstance(s, str)), "app.orders")
                detail_type = next(iter(pattern.get("detail-type", [])), "OrderCreated")
                return bridge_event(detail_type, order_event_detail(order.orderId), source)
    raise KeyError(f"no scenario for {function}: add one to _events")


# An order item as the stream carries it (the enricher reads it as an Order).
ORDER_IMAGE = {
    "orderId": "o",
    "customerId": "c",
    "customerEmail": "a@b.co",
    "items": [{"sku": "A", "qty": 1, "unitPrice": "1.00"}],
    "currency": "USD",
    "total": "1.00",
    "status": "PENDING",
    "createdAt": "2026-11-23T10:00:00.000Z",
    "updatedAt": "2026-11-23T10:00:00.000Z",
    "version": 1,
    "correlationId": "req-1",
}


def _events(function: str, order) -> dict:
    known = {
        "order_change_log": lambda: {"Records": [stream_record("INSERT", {"orderId": "o"}, new={"orderId": "o"})]},
        "order_events_enricher": lambda: [stream_record("INSERT", {"orderId": "o"}, new=ORDER_IMAGE)],
        "order_processor": order_created_batch,
        "user_notification": order_created_batch,
        "notifier": lambda: {
            "orderId": "o",
            "status": "SHIPPED",
            "email": "a@b.co",
            "message": "m",
            "correlationId": "c",
        },
        "analytics": lambda: bridge_event("OrderCreated", {"eventId": uuid.uuid4().hex}),
        "daily_report": lambda: scheduled_event("arn:rule", datetime.now(UTC)),
        "payments_trigger": lambda: sns_event(payment_state(order)["payment"]),
        "payment_validator": lambda: payment_state(order),
        "payment_processor": lambda: enriched_state(order),
        "payment_enricher": lambda: payment_state(order),
    }
    return known[function]() if function in known else _rule_event(function, order)


# Functions whose failure and redelivery paths hold grants of their own (Powertools
# idempotency deletes its record when the action fails, and a repeat meets the stored record;
# the payment processor reads back the record a repeat finds). Their scenario delivers the
# same event three times: the first attempt has the named call (action pattern, logical
# resource) throttled, the second succeeds, the third is a repeat.
RETRIED = {
    "order_processor": ("events:PutEvents", "orders"),  # after its read-model writes
    "user_notification": ("dynamodb:*", "read-models"),
    "analytics": ("dynamodb:*", "read-models"),
    "notifier": ("sns:Publish", "notifications"),
    "payment_processor": ("dynamodb:UpdateItem", "orders"),  # the transaction that records and pays
}


def exercise(function: str, world: dict):
    """Run ``function``'s scenario; returns its last result (raises on failure) and every call made."""
    invoke = world["invoker"].invoke
    event = _events(function, world["order"])
    failure = RETRIED.get(function)
    deliveries = [failure, None, None] if failure else [None]
    calls: list[tuple[str, str]] = []
    for fail_once in deliveries:
        with recorded_calls(fail_once) as attempt:
            try:
                result = invoke(function, event, "test", traced=False)
            except FunctionError:
                if fail_once is None:
                    raise
                result = None
        calls.extend(attempt)
        if fail_once is not None:
            assert result is None or result.get("batchItemFailures"), f"{function} hid the injected failure"
    return result, calls


# Every function the topology declares grants for, but the API's (exercised by api_scenario).
FUNCTIONS = sorted(set(topology.default().functions) - {"api_handler"})


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_call_a_function_makes_is_granted_by_its_policy(function, world, built):
    module, _ = built
    result, calls = exercise(function, world)
    if isinstance(result, dict) and "batchItemFailures" in result:
        assert result["batchItemFailures"] == []
    assert denied(module.policy(function), calls) == []


def test_the_check_catches_a_missing_grant(world, built):
    module, _ = built
    _, calls = exercise("daily_report", world)
    policy = module.policy("daily_report")
    narrowed = {**policy, "Statement": [s for s in policy["Statement"] if "events:PutEvents" not in s["Action"]]}
    assert any(d.startswith("events:PutEvents on ") for d in denied(narrowed, calls))


def test_every_event_function_is_exercised(built):
    module, _ = built
    assert set(module.functions) - {"api_handler"} == set(FUNCTIONS)


def api_scenario(world: dict):
    """Every route once, plus the idempotency paths of POST /orders; returns (responses, calls).

    A POST whose order write is throttled (its idempotency record is deleted) comes first;
    then a POST with a fresh key, and its repeat (answered from the idempotency record).
    """
    from chalice.test import Client

    from tests.conftest import PROJECT_DIR, TEST_STAGE

    body = {"customerId": "c-9", "customerEmail": "a@b.co", "items": [{"sku": "A", "qty": 1, "unitPrice": "1.00"}]}
    json_headers = {"Content-Type": "application/json"}
    client_ = Client(world["app"], stage_name=TEST_STAGE, project_dir=str(PROJECT_DIR))
    with client_ as client, recorded_calls(fail_once=("dynamodb:PutItem", "orders")) as calls:

        def post_order(key: str):
            return client.http.post("/orders", headers={**json_headers, "Idempotency-Key": key}, body=json.dumps(body))

        throttled = post_order("k-throttled")
        assert throttled.status_code >= 500, throttled.body
        created = post_order("k")
        assert created.status_code == 201, created.body
        order_id = json.loads(created.body)["orderId"]
        repeated = post_order("k")
        assert (repeated.status_code, json.loads(repeated.body)["orderId"]) == (201, order_id), repeated.body
        responses = [
            client.http.get(f"/orders/{order_id}"),
            client.http.get("/orders?customerId=c-9&status=PENDING"),
            client.http.get("/orders?status=PENDING"),
            client.http.request(
                "PATCH", f"/orders/{order_id}", headers=json_headers, body=json.dumps({"status": "PAID", "version": 1})
            ),
            client.http.get(f"/analytics/events/{datetime.now(UTC).date()}"),
            client.http.get("/reports/daily/2026-01-01"),
            client.http.post(
                "/payments",
                headers=json_headers,
                # occurredAt near receipt: the API refuses payments outside its window before publishing.
                body=json.dumps(
                    {**payment_state(world["order"])["payment"], "occurredAt": datetime.now(UTC).isoformat()}
                ),
            ),
            client.http.get("/payments/p-unknown"),
            client.http.delete(f"/orders/{order_id}"),
        ]
    return responses, calls


def test_api_runs_under_its_own_policy(world, built):
    module, _ = built
    responses, calls = api_scenario(world)
    assert [r.status_code for r in responses if r.status_code >= 500] == [], [r.body for r in responses]
    assert denied(module.policy("api_handler"), calls) == []


# --- The reverse direction: every declared grant is used. ---------------------------------
#
# A grant under `functions` in infra/topology.yaml (the policy's Declared* statements) that no recorded call
# of the function's scenario needs is one to remove. A grant needed only on a path the
# scenarios cannot reach goes here instead, (function, action, logical resource) -> why.
UNEXERCISED: dict[tuple[str, str, str], str] = {}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def declared(policy: dict) -> list[tuple[str, str]]:
    """The (action, resource) pairs of the policy's Declared* statements, with moto's ARNs."""
    return [
        (action, resource)
        for statement in concrete_policy(policy)["Statement"]
        if statement.get("Sid", "").startswith("Declared")
        for action in _as_list(statement["Action"])
        for resource in _as_list(statement["Resource"])
    ]


def _names(logical: str, action: str, resource: str) -> bool:
    """True if ``resource`` is the ARN of ``logical`` (table:<name>, index:<name>, topic:<name>, ...)."""
    kind, _, name = logical.partition(":")
    return _matches((action, name), action, resource) and ("/index/" in resource) == (kind == "index")


def unused(function: str, policy: dict, calls: list[tuple[str, str]]) -> list[str]:
    """Declared grants no call uses and UNEXERCISED does not excuse, as 'action on resource'."""
    return sorted(
        f"{action} on {resource}"
        for action, resource in declared(policy)
        if not any(fnmatch(a, action) and fnmatch(r, resource) for a, r in calls)
        and not any(
            (fn, a) == (function, action) and _names(logical, action, resource) for fn, a, logical in UNEXERCISED
        )
    )


@pytest.mark.parametrize("function", [*FUNCTIONS, "api_handler"])
def test_every_declared_grant_is_used_by_the_function(function, world, built):
    module, _ = built
    _, calls = api_scenario(world) if function == "api_handler" else exercise(function, world)
    left = unused(function, module.policy(function), calls)
    assert left == [], (
        f"{function}: declared but never used (remove from infra/topology.yaml's functions):\n" + "\n".join(left)
    )


def test_unexercised_grants_are_still_declared_and_still_unused(world, built):
    module, _ = built
    for function, action, logical in UNEXERCISED:
        grants = [r for a, r in declared(module.policy(function)) if a == action and _names(logical, a, r)]
        assert grants, f"{function}: {action} on {logical} is no longer declared; drop it from UNEXERCISED"
        _, calls = api_scenario(world) if function == "api_handler" else exercise(function, world)
        used = [r for a, r in calls if a == action and _names(logical, a, r)]
        assert not used, f"{function}: {action} on {logical} is exercised now; drop it from UNEXERCISED"


def test_the_check_catches_an_unused_grant(world, built):
    module, _ = built
    _, calls = exercise("daily_report", world)
    policy = module.policy("daily_report")
    extra = {"Sid": "DeclaredExtra", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": ["arn:aws:sns:*"]}
    widened = {**policy, "Statement": [*policy["Statement"], extra]}
    assert unused("daily_report", widened, calls) == ["sns:Publish on arn:aws:sns:*"]


def test_references_resolve_through_the_builds_spelling_and_the_topologys_bus_name(monkeypatch):
    monkeypatch.setenv("RESOURCE_PREFIX", "orders-platform-dev")
    bus = topology.document(topology.default())["event_bus"]["name"]
    assert concrete(references.BUS_ARN).endswith(f":event-bus/{physical_name(bus)}")
    assert concrete(references.queue_arn("order-processor")).endswith(f":{physical_name('order-processor')}")
    # An undeclared resource grants nothing rather than being turned into an ARN by pattern.
    assert ":unused:" in concrete(references.queue_arn("nowhere"))
