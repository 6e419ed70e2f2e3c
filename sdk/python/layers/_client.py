"""The client: ``Layers(api_key=..., base_url=...)``; its typed resources are generated in _resources.py."""

import os
import re
from typing import Any, Optional

from ._base import Requester
from ._resources import OPERATION_METHODS, Surface
from ._transport import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, Transport

__version__ = "0.1.0"
DEFAULT_BASE_URL = "https://api.layers.com"

# Per-call options, taken by every method beside the operation's own arguments.
_OPTIONS = ("idempotency_key", "timeout", "max_retries", "extra_headers")


def to_camel(name: str) -> str:
    """``social_account_id`` → ``socialAccountId``; a camelCase name is left as it is."""
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


class Layers(Surface):
    """The Layers partner API.

    ``layers.social.revoke(social_account_id="sa_…")`` returns the JSON object as the API sends it
    (a dict with camelCase keys, typed by ``layers.types``). Arguments are keyword-only; per call you
    may add ``idempotency_key`` (writes), ``timeout`` (seconds), ``max_retries`` and ``extra_headers``.
    ``layers.response_of(result)`` gives the call's request id, status, headers and rate limit.
    """

    def __init__(self, api_key: Optional[str] = None, base_url: Optional[str] = None,
                 max_retries: int = DEFAULT_MAX_RETRIES, timeout: float = DEFAULT_TIMEOUT):
        api_key = api_key or os.environ.get("LAYERS_API_KEY")
        if not api_key:
            raise TypeError("Layers: pass api_key=... or set LAYERS_API_KEY.")
        self.base_url = (base_url or os.environ.get("LAYERS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        transport = Transport(api_key, self.base_url, max_retries, timeout, f"layers-sdk-python/{__version__}")
        super().__init__(Requester(transport, OPERATION_METHODS))

    def request(self, operation_id: str, **kwargs: Any) -> Any:
        """Calls an operation by its operationId, arguments in snake_case or camelCase (untyped: the
        resource methods are the typed way; this one reaches an operation newer than this SDK)."""
        options = {k: kwargs.pop(k) for k in _OPTIONS if k in kwargs}
        return self._client.call(operation_id, {to_camel(k): v for k, v in kwargs.items()}, **options)
