"""Named task errors: Step Functions matches a Lambda error by its type's name (Retry, Catch)."""


class PaymentRejected(Exception):
    """The payment breaks a rule; the workflow records it as rejected with this message as reason."""


class MalformedPayment(Exception):
    """The message is not a payment at all (no usable paymentId), so it cannot be recorded: DLQ."""


class PaymentTransientError(Exception):
    """A failure worth retrying (throttling, a concurrent writer, a lost connection)."""
