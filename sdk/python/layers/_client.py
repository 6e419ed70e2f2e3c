"""The client: ``Layers(api_key=..., base_url=...)`` and its resources, built from OPERATION_METHODS."""

import os
import re
from typing import Any, Dict, Optional

from ._operations import OPERATIONS
from ._transport import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, Transport

__version__ = "0.1.0"
DEFAULT_BASE_URL = "https://api.layers.com"

# Every API operation and the SDK method that calls it: the surface is built from this table.
# A test checks it against openapi/openapi.json both ways (and against the TypeScript SDK's).
OPERATION_METHODS = {
    "whoami": "whoami",
    "killApiKey": "api_keys.kill",
    "listAuditLog": "audit_log.list",
    "createProject": "projects.create",
    "listProjects": "projects.list",
    "getProject": "projects.get",
    "updateProject": "projects.update",
    "archiveProject": "projects.archive",
    "listSocialAccounts": "social.list",
    "getSocialAccount": "social.get",
    "revokeSocialAccount": "social.revoke",
    "createOAuthUrl": "social.oauth_url",
    "getOAuthStatus": "social.oauth_status",
    "createReauthUrl": "social.reauth_url",
    "requestLeasedAccounts": "leased_accounts.request",
    "getLeaseRequest": "leased_accounts.get_request",
    "listLeasedAccounts": "leased_accounts.list",
    "releaseLeasedAccount": "leased_accounts.release",
    "uploadContent": "content.upload",
    "getContent": "content.get",
    "listContent": "content.list",
    "scheduleContent": "content.schedule",
    "publishContent": "content.publish",
    "getScheduledPost": "scheduled_posts.get",
    "listScheduledPosts": "scheduled_posts.list",
    "rescheduleScheduledPost": "scheduled_posts.reschedule",
    "cancelScheduledPost": "scheduled_posts.cancel",
    "createWebhookEndpoint": "webhooks.create",
    "listWebhookEndpoints": "webhooks.list",
    "getWebhookEndpoint": "webhooks.get",
    "updateWebhookEndpoint": "webhooks.update",
    "deleteWebhookEndpoint": "webhooks.delete",
    "rotateWebhookSecret": "webhooks.rotate_secret",
    "testWebhookEndpoint": "webhooks.test",
    "listWebhookDeliveries": "webhooks.list_deliveries",
    "replayWebhookDelivery": "webhooks.replay_delivery",
}

# Per-call options, taken by every method beside the operation's own arguments.
_OPTIONS = ("idempotency_key", "timeout", "max_retries", "extra_headers")


def to_camel(name: str) -> str:
    """``social_account_id`` → ``socialAccountId``; a camelCase name is left as it is."""
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


class Resource:
    """A namespace of methods (``layers.social``, ``layers.projects``, …)."""

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return f"<layers resource {self._name}: {', '.join(sorted(k for k in vars(self) if not k.startswith('_')))}>"


class Layers:
    """The Layers partner API.

    ``layers.social.revoke(social_account_id="sa_…")`` returns the JSON object as the API sends it
    (camelCase keys). Arguments are keyword-only, snake_case or camelCase; per call you may add
    ``idempotency_key``, ``timeout`` (seconds), ``max_retries`` and ``extra_headers``.
    """

    def __init__(self, api_key: Optional[str] = None, base_url: Optional[str] = None,
                 max_retries: int = DEFAULT_MAX_RETRIES, timeout: float = DEFAULT_TIMEOUT):
        api_key = api_key or os.environ.get("LAYERS_API_KEY")
        if not api_key:
            raise TypeError("Layers: pass api_key=... or set LAYERS_API_KEY.")
        self.base_url = (base_url or os.environ.get("LAYERS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self._transport = Transport(api_key, self.base_url, max_retries, timeout, f"layers-sdk-python/{__version__}")
        for operation_id, where in OPERATION_METHODS.items():
            namespace, _, name = where.rpartition(".")
            target = self
            if namespace:
                target = self.__dict__.get(namespace) or Resource(namespace)
                setattr(self, namespace, target)
            setattr(target, name, self._method(operation_id))

    def _method(self, operation_id: str):
        def method(**kwargs: Any) -> Any:
            return self.request(operation_id, **kwargs)

        spec = OPERATIONS.get(operation_id, {})
        method.__name__ = OPERATION_METHODS[operation_id].rpartition(".")[2]
        method.__doc__ = f"{spec.get('method')} {spec.get('path')}: {spec.get('summary', '')}"
        return method

    def request(self, operation_id: str, **kwargs: Any) -> Any:
        """Calls an operation by its operationId; the resource methods are shorthands for this."""
        spec = OPERATIONS.get(operation_id)
        if spec is None:
            raise TypeError(f"Unknown operation {operation_id}")
        options = {k: kwargs.pop(k) for k in _OPTIONS if k in kwargs}
        args: Dict[str, Any] = {to_camel(k): v for k, v in kwargs.items()}

        def fill(match: "re.Match[str]") -> str:
            value = args.pop(match.group(1), None)
            if value in (None, ""):
                raise TypeError(f"{OPERATION_METHODS.get(operation_id, operation_id)}() needs {_snake(match.group(1))}=")
            return _quote(str(value))

        path = re.sub(r"\{(\w+)\}", fill, spec["path"])
        query = []
        for name in spec["query"]:
            value = args.pop(name, None)
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if item is not None:
                    query.append((name, ("true" if item else "false") if isinstance(item, bool) else str(item)))
        args = {k: v for k, v in args.items() if v is not None}
        if not spec["body"] and args:
            raise TypeError(f"{OPERATION_METHODS.get(operation_id, operation_id)}() got unexpected argument(s): {', '.join(_snake(k) for k in args)}")
        body = args if spec["body"] == "required" or (spec["body"] and args) else None
        return self._transport.send(spec["method"], path, query, body, spec["idempotent"], **options)


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
