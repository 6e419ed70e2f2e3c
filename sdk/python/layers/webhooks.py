"""Webhook signature verification (docs/webhooks.md), standard library only.

``X-Layers-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]``; each v1 is
hex(HMAC-SHA256(key = the whole secret string as UTF-8, message = ``t + "." + raw body``)). During a
secret rotation the header carries one v1 per live secret: any match is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any, Dict, Optional, Sequence, TypedDict, Union

DEFAULT_TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "X-Layers-Signature"


class _WebhookEventRequired(TypedDict):
    id: str
    type: str
    createdAt: str
    data: Dict[str, Any]


class WebhookEvent(_WebhookEventRequired, total=False):
    """The body of every delivery; ``replayOf`` is set on a replayed event."""

    replayOf: str


class WebhookSignatureError(Exception):
    """The delivery is not authentic (or too old): answer 400 and do not act on it.

    ``reason`` is ``malformed_header``, ``timestamp_outside_tolerance`` or ``no_matching_signature``.
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def verify_webhook(payload: Union[bytes, str], header: Optional[str], secret: Union[str, Sequence[str]], *,
                   tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS, now: Optional[float] = None) -> WebhookEvent:
    """Checks ``X-Layers-Signature`` against your secret (or, while rotating, your secrets) and
    returns the parsed event; raises ``WebhookSignatureError`` otherwise. Pass the raw body bytes as
    received (``request.get_data()``), never re-serialized JSON. Comparisons are constant-time.
    """
    pairs = [part.split("=", 1) for part in (header or "").split(",") if "=" in part]
    t = next((v.strip() for k, v in pairs if k.strip() == "t"), "")
    signatures = [v.strip().lower() for k, v in pairs if k.strip() == "v1" and re.fullmatch(r"[0-9a-fA-F]{64}", v.strip())]
    if not t.isdigit() or not signatures:
        raise WebhookSignatureError("malformed_header", f'{SIGNATURE_HEADER} is not "t=<seconds>,v1=<hex>".')
    if abs((time.time() if now is None else now) - int(t)) > tolerance_seconds:
        raise WebhookSignatureError(
            "timestamp_outside_tolerance",
            f"The signature's timestamp is more than {tolerance_seconds:g} s from this clock (a replay, or a skewed clock).")
    body = payload.encode("utf-8") if isinstance(payload, str) else payload
    message = t.encode("ascii") + b"." + body
    for key in [secret] if isinstance(secret, str) else list(secret):
        expected = hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            event: WebhookEvent = json.loads(body)
            return event
    raise WebhookSignatureError("no_matching_signature", "No v1 signature matches the secret(s).")


class WebhookVerifier:
    """``layers.webhooks.verify(...)``: the same as ``verify_webhook``."""

    def verify(self, payload: Union[bytes, str], header: Optional[str], secret: Union[str, Sequence[str]], *,
               tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS, now: Optional[float] = None) -> WebhookEvent:
        """Checks ``X-Layers-Signature`` and returns the parsed event, or raises ``WebhookSignatureError``."""
        return verify_webhook(payload, header, secret, tolerance_seconds=tolerance_seconds, now=now)
