"""The build's one error: the app, the topology and the export disagree."""


class BuildError(Exception):
    """The app, Chalice's export and the topology disagree; the message says how."""
