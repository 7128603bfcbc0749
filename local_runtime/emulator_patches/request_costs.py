"""moto's per-request work that depends only on a class or a model shape is done once, not per request.

Profiled under load (30 orders/s), these took about a tenth of the emulator's CPU, each the same
answer every time:
- `method_names_from_class`: every request lists its handler class's members (`inspect.getmembers`)
  to see whether the action is one of them. Handler classes do not change while the server runs
  (our patches are installed before it starts).
- the serializer's `get_possible_keys`: for every member of every response it builds six alias
  providers to find where the member lives on the result object. The answer depends on the
  object's class, the member's name and its shape (and the structure that shape sits in).
  Around it, `get_value` built a context object and joined the key path per member (read only by
  response transformers), and tried each possible key on a dict by catching KeyError: a DynamoDB
  attribute value has ten members, so a returned item raised some twenty exceptions per attribute.
- `BackendDict.__getitem__`: every look-up of an account's backends takes moto's global backend
  lock and scans the list of in-use services; once an account exists both are no-ops (moto
  registers the service when it adds the account, and its reset clears both together).
- Flask's debug mode (moto's server sets it) builds a new class per request for the form's files,
  to word a KeyError moto never lets happen (it reads `request.files[...]` only when there are files).
What each request answers does not change.
"""

from __future__ import annotations

import functools

from flask import debughelpers
from moto.core import responses as core_responses
from moto.core import serialize
from moto.core import utils as core_utils
from moto.core.base_backend import BackendDict
from moto.core.utils import MISSING, method_names_from_class

# Error responses build shapes per request; past this many entries the cache starts again.
MAX_CACHED_KEYS = 50_000
_moto_possible_keys = serialize.XFormedAttributePicker.get_possible_keys
_moto_get_value = serialize.ResponseSerializer.get_value
_possible_keys: dict[tuple, tuple[str, ...]] = {}


@functools.cache
def _method_names(clazz: type) -> frozenset[str]:
    return frozenset(method_names_from_class(clazz))


def possible_keys(self, context) -> tuple[str, ...]:
    """moto's `XFormedAttributePicker.get_possible_keys`, once per class, key and shape."""
    if self.alias_providers is not serialize.DEFAULT_ALIAS_PROVIDERS:
        return tuple(_moto_possible_keys(self, context))
    shape = context.shape
    # The providers read the object's class (its Meta, its name), the shape and the shape's parent.
    key = (type(context.obj), context.key, shape, getattr(shape, "parent", None))
    try:
        return _possible_keys[key]
    except KeyError:
        if len(_possible_keys) >= MAX_CACHED_KEYS:
            _possible_keys.clear()
        keys = _possible_keys[key] = tuple(_moto_possible_keys(self, context))
        return keys


def get_value(self, value, key: str, shape):
    """moto's `ResponseSerializer.get_value` with its default picker, without the per-member overheads."""
    picker = self._value_picker
    if (
        type(picker) is not serialize.XFormedAttributePicker
        or picker.response_transformers  # they match on the key path: moto's own way
        or picker.alias_providers is not serialize.DEFAULT_ALIAS_PROVIDERS
    ):
        return _moto_get_value(self, value, key, shape)
    keys = _possible_keys.get((type(value), key, shape, getattr(shape, "parent", None)))
    if keys is None:
        context = serialize.AttributePickerContext(
            obj=value,
            key=key,
            shape=shape,
            operation_model=self.operation_model,
            service_model=self.operation_model.service_model,
            key_path=".".join(self.path),
        )
        keys = possible_keys(picker, context)
    if type(value) is dict:  # exactly dict: no __missing__, and a dotted key is a path (moto's get_value)
        for possible in keys:
            found = (
                value.get(possible, MISSING) if "." not in possible else core_utils.get_value(value, possible, MISSING)
            )
            if found is not MISSING:
                return found
        return None
    for possible in keys:
        found = core_utils.get_value(value, possible, MISSING)
        if found is not MISSING:
            return found
    return None


def _backends_of(moto_getitem):
    @functools.wraps(moto_getitem)
    def backends_of(self, account_id):
        try:  # an account moto has added is registered: moto's own path would do nothing more
            return dict.__getitem__(self, account_id)
        except KeyError:
            return moto_getitem(self, account_id)

    return backends_of


def _no_enctype_helper(request) -> None:
    """Flask's debug-only wording of a missing `request.files` key, which moto never looks up."""


def install() -> None:
    # responses.py imported the function by name; call_action only tests membership.
    core_responses.method_names_from_class = _method_names
    serialize.XFormedAttributePicker.get_possible_keys = possible_keys
    serialize.ResponseSerializer.get_value = get_value
    BackendDict.__getitem__ = _backends_of(BackendDict.__getitem__)
    debughelpers.attach_enctype_error_multidict = _no_enctype_helper
