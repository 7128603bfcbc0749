"""Domain errors; the API layer maps each to an HTTP status and a stable code."""


class OrderError(Exception):
    """Base class for expected, caller-caused order failures."""


class OrderNotFound(OrderError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id!r} does not exist")
        self.order_id = order_id


class InvalidTransition(OrderError):
    def __init__(self, current: str, requested: str, allowed: list[str]) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none (final status)"
        super().__init__(f"cannot move an order from {current} to {requested}; allowed from {current}: {allowed_text}")
        self.current = current
        self.requested = requested


class VersionConflict(OrderError):
    def __init__(self, order_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"order {order_id!r} is at version {actual}, not {expected}: re-read it and retry with version {actual}"
        )
        self.actual = actual


class InvalidPageToken(OrderError):
    def __init__(self) -> None:
        super().__init__("nextToken is not one this API issued for this query; omit it to start from the first page")
