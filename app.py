"""The Chalice app: decorators and wiring only; behaviour lives in chalicelib/."""

from chalice import Chalice

from chalicelib.analytics import daily_report_job, event_counts
from chalicelib.api import analytics, errors, orders
from chalicelib.api import payments as payments_api
from chalicelib.consumers import order_processor as order_processing
from chalicelib.consumers import user_notification as user_notifying
from chalicelib.notifications import notifier as notifying
from chalicelib.payments import enricher as payment_enriching
from chalicelib.payments import processor as payment_processing
from chalicelib.payments import trigger as payment_trigger
from chalicelib.payments import validator as payment_validating
from chalicelib.resource_names import physical_name, stream_arn
from chalicelib.stream import change_log, order_events

app = Chalice(app_name="orders-platform")
app.register_middleware(errors.reshape_chalice_errors, "http")


# --- Orders API ---------------------------------------------------------------------


@app.route("/orders", methods=["POST"])
def create_order():
    return orders.create_order(app.current_request)


@app.route("/orders", methods=["GET"])
def list_orders():
    return orders.list_orders(app.current_request)


@app.route("/orders/{order_id}", methods=["GET"])
def get_order(order_id):
    return orders.get_order(order_id)


@app.route("/orders/{order_id}", methods=["PATCH"])
def change_order_status(order_id):
    return orders.change_status(app.current_request, order_id)


@app.route("/orders/{order_id}", methods=["DELETE"])
def delete_order(order_id):
    return orders.delete_order(order_id)


@app.route("/analytics/events/{day}", methods=["GET"])
def get_event_counts(day):
    return analytics.event_counts_for(day)


@app.route("/reports/daily/{day}", methods=["GET"])
def get_daily_report(day):
    return analytics.daily_report(day)


# --- Event flow ---------------------------------------------------------------------


@app.on_dynamodb_record(stream_arn=stream_arn("orders"), batch_size=100, starting_position="LATEST")
def order_change_log(event):
    return change_log.handle(event.to_dict(), event.context)


@app.lambda_function(name="order_events_enricher")
def order_events_enricher(event, context):
    return order_events.enrich(event)


@app.on_sqs_message(queue=physical_name("order-processor"), batch_size=10, maximum_batching_window_in_seconds=1)
def order_processor(event):
    return order_processing.handle(event.to_dict(), event.context)


@app.on_sqs_message(queue=physical_name("user-notification"), batch_size=10, maximum_batching_window_in_seconds=1)
def user_notification(event):
    return user_notifying.handle(event.to_dict(), event.context)


@app.lambda_function(name="notifier")
def notifier(event, context):
    return notifying.handle(event, context)


@app.lambda_function(name="analytics")
def analytics_counter(event, context):
    return event_counts.handle(event, context)


@app.schedule("cron(0 9 * * ? *)", name="daily_report")
def daily_report(event):
    return daily_report_job.handle(event.to_dict(), event.context)


# --- Payments -----------------------------------------------------------------------


@app.route("/payments", methods=["POST"])
def submit_payment():
    return payments_api.submit_payment(app.current_request)


@app.route("/payments/{payment_id}", methods=["GET"])
def get_payment(payment_id):
    return payments_api.get_payment(payment_id)


@app.on_sns_message(topic=physical_name("payments"), name="payments_trigger")
def payments_trigger(event):
    return payment_trigger.handle(event.to_dict())


@app.lambda_function(name="payment_validator")
def payment_validator(event, context):
    return payment_validating.handle(event, context)


@app.lambda_function(name="payment_processor")
def payment_processor(event, context):
    return payment_processing.handle(event, context)


@app.lambda_function(name="payment_enricher")
def payment_enricher(event, context):
    return payment_enriching.handle(event, context)
