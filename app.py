"""The Chalice app: decorators and wiring only; behaviour lives in chalicelib/."""

from chalice import Chalice

from chalicelib.api import errors, orders

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
