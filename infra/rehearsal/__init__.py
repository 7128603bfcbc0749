"""A deploy rehearsal (``make rehearse``): the built module applied to MiniStack on loopback, smoke-tested, destroyed.

``python -m infra.rehearsal --help``; the steps are in ``run.py``.
"""
