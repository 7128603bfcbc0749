"""What AWS rejects at the door, as exceptions the callers turn into AWS's error codes."""


class InvalidEventPattern(ValueError):
    """A pattern AWS rejects (PutRule, TestEventPattern, CreatePipe): `InvalidEventPatternException`."""


class InvalidTransformer(ValueError):
    """An input transformer or template AWS rejects (PutTargets, CreatePipe): `ValidationException`."""
