"""Customer notifications about order status, published to the notifications topic."""
