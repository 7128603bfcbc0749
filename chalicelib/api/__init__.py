"""HTTP layer: request parsing, error mapping and the views app.py routes to."""
