"""The Chalice app: decorators and wiring only; behaviour lives in chalicelib/.

Every event handler below calls its module's ``handle(event: dict, context)``: a Chalice event
object is passed as ``(event.to_dict(), event.context)``, a plain Lambda event as it came.

Every Lambda function of a Chalice app loads this module, so each handler imports its own
module when it first runs: a function pays the cold-start cost of its dependencies only
(the API does not load Powertools' batch utilities, a queue consumer does not load the API).
"""

import contextlib

from chalice import Chalice

from chalicelib.resource_names import physical_name, stream_arn

app = Chalice(app_name="orders-platform")

# Chalice's local gateway (chalice local, make dev, the test client) has no greedy "{proxy+}";
# the dev-only runtime adds it. Lambda has no local_runtime: API Gateway does the routing there.
with contextlib.suppress(ModuleNotFoundError):
    from local_runtime.api_gateway_routes import match_greedy_paths_locally

    match_greedy_paths_locally()


@app.middleware("http")
def correlation_id(event, get_response):
    # First registered, so outermost: even the answers reshaped below carry the header.
    from chalicelib.api.correlation import with_correlation_id

    return with_correlation_id(event, get_response)


@app.middleware("http")
def json_error_shape(event, get_response):
    from chalicelib.api.errors import reshape_chalice_errors

    return reshape_chalice_errors(event, get_response)


# --- Orders API ---------------------------------------------------------------------


@app.route("/orders", methods=["POST"])
def create_order():
    from chalicelib.api import orders

    return orders.create_order(app.current_request)


@app.route("/orders", methods=["GET"])
def list_orders():
    from chalicelib.api import orders

    return orders.list_orders(app.current_request)


@app.route("/orders/{order_id}", methods=["GET"])
def get_order(order_id):
    from chalicelib.api import orders

    return orders.get_order(order_id)


@app.route("/orders/{order_id}", methods=["PATCH"])
def change_order_status(order_id):
    from chalicelib.api import orders

    return orders.change_status(app.current_request, order_id)


@app.route("/orders/{order_id}", methods=["DELETE"])
def delete_order(order_id):
    from chalicelib.api import orders

    return orders.delete_order(order_id)


@app.route("/analytics/events/{day}", methods=["GET"])
def get_event_counts(day):
    from chalicelib.api import analytics

    return analytics.event_counts_for(day)


@app.route("/reports/daily/{day}", methods=["GET"])
def get_daily_report(day):
    from chalicelib.api import analytics

    return analytics.daily_report(day)


# --- Event flow ---------------------------------------------------------------------


@app.on_dynamodb_record(stream_arn=stream_arn("orders"), batch_size=100, starting_position="LATEST")
def order_change_log(event):
    from chalicelib.stream import change_log

    return change_log.handle(event.to_dict(), event.context)


@app.lambda_function(name="order_events_enricher")
def order_events_enricher(event, context):
    from chalicelib.stream import order_events

    return order_events.handle(event, context)


@app.on_sqs_message(queue=physical_name("order-processor"), batch_size=10, maximum_batching_window_in_seconds=1)
def order_processor(event):
    from chalicelib.consumers import order_processor as consumer

    return consumer.handle(event.to_dict(), event.context)


@app.on_sqs_message(queue=physical_name("user-notification"), batch_size=10, maximum_batching_window_in_seconds=1)
def user_notification(event):
    from chalicelib.consumers import user_notification as consumer

    return consumer.handle(event.to_dict(), event.context)


@app.lambda_function(name="notifier")
def notifier(event, context):
    from chalicelib.notifications import notifier as notifying

    return notifying.handle(event, context)


@app.lambda_function(name="analytics")
def analytics_counter(event, context):
    from chalicelib.analytics import event_counts

    return event_counts.handle(event, context)


@app.schedule("cron(0 9 * * ? *)", name="daily_report")
def daily_report(event):
    from chalicelib.analytics import daily_report_job

    return daily_report_job.handle(event.to_dict(), event.context)


# --- Payments -----------------------------------------------------------------------


@app.route("/payments", methods=["POST"])
def submit_payment():
    from chalicelib.api import payments

    return payments.submit_payment(app.current_request)


@app.route("/payments/{payment_id}", methods=["GET"])
def get_payment(payment_id):
    from chalicelib.api import payments

    return payments.get_payment(payment_id)


@app.on_sns_message(topic=physical_name("payments"), name="payments_trigger")
def payments_trigger(event):
    from chalicelib.payments import trigger

    return trigger.handle(event.to_dict(), event.context)


@app.lambda_function(name="payment_validator")
def payment_validator(event, context):
    from chalicelib.payments import validator

    return validator.handle(event, context)


@app.lambda_function(name="payment_processor")
def payment_processor(event, context):
    from chalicelib.payments import processor

    return processor.handle(event, context)


@app.lambda_function(name="payment_enricher")
def payment_enricher(event, context):
    from chalicelib.payments import enricher

    return enricher.handle(event, context)


# --- Everything no route above takes ----------------------------------------------------
# Last, so it sees every route: each known path's other methods answer 405, any other path 404.
from chalicelib.api.routing import answer_every_request  # noqa: E402

answer_every_request(app)
