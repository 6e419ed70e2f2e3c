"""HTTP with retries: urllib only. Mirrors sdk/typescript/src/transport.ts (same policy, same constants)."""

import json
import logging
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, List, NamedTuple, Optional, Tuple, Union

from .errors import LayersConnectionError, LayersError, LayersTimeoutError, error_from_response, retry_after_seconds

logger = logging.getLogger("layers")

DEFAULT_MAX_RETRIES = 2  # 3 attempts: rides out a restart or a blip, not an outage
DEFAULT_TIMEOUT = 60.0  # seconds per attempt (per socket operation, as urllib measures it)
INITIAL_DELAY = 0.5  # first backoff step, seconds; doubles each retry
MAX_DELAY = 8.0  # backoff ceiling
JITTER = 0.25  # up to 25% off each backoff, so clients that failed together do not retry together
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is not waited out: the error is raised instead


class Answer(NamedTuple):
    """A 2xx: the parsed body, the status, the headers (lower-case names), the Idempotency-Key sent."""

    body: Any
    status: int
    headers: Dict[str, str]
    idempotency_key: Optional[str]


class Transport:
    def __init__(self, api_key: str, base_url: str, max_retries: int, timeout: float, user_agent: str):
        self.api_key = api_key
        self.base_url = base_url
        self.max_retries = max_retries
        self.timeout = timeout
        self.user_agent = user_agent

    def send(self, method: str, path: str, query: List[Tuple[str, str]], body: Any, idempotent: bool,
             idempotency_key: Optional[str] = None, timeout: Optional[float] = None,
             max_retries: Optional[int] = None, extra_headers: Optional[Dict[str, str]] = None) -> Answer:
        """One API call: the same Idempotency-Key on every attempt of a write."""
        max_retries = self.max_retries if max_retries is None else max_retries
        timeout = self.timeout if timeout is None else timeout
        key = (idempotency_key or str(uuid.uuid4())) if idempotent else None
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Accept": "application/json", "Authorization": f"Bearer {self.api_key}", "User-Agent": self.user_agent}
        headers.update(extra_headers or {})
        if key:
            headers["Idempotency-Key"] = key
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        safe_to_repeat = method == "GET" or key is not None

        attempt = 0
        while True:
            outcome = self._attempt(urllib.request.Request(url, data=data, headers=headers, method=method), timeout)
            if not isinstance(outcome, LayersError):
                return outcome._replace(idempotency_key=key)
            delay = retry_delay(outcome, attempt, safe_to_repeat) if attempt < max_retries else None
            if delay is None:
                raise outcome
            logger.info("layers: retrying %s %s in %.2f s (retry %d of %d) after %s %s; idempotency key %s",
                        method, path, delay, attempt + 1, max_retries, outcome.status, outcome.code, key)
            time.sleep(delay)
            attempt += 1

    @staticmethod
    def _attempt(request: urllib.request.Request, timeout: float) -> Union[Answer, LayersError]:
        """The answer to a 2xx, or the LayersError this attempt ended in."""
        try:
            with urllib.request.urlopen(request, timeout=timeout) as res:
                headers = {k.lower(): v for k, v in res.headers.items()}
                return Answer(_parse(res.read()), res.status, headers, None)
        except urllib.error.HTTPError as err:
            headers = {k.lower(): v for k, v in err.headers.items()} if err.headers else {}
            try:
                raw = err.read()
            except (OSError, socket.timeout):
                raw = b""
            return error_from_response(err.code, _parse(raw), headers)
        except (socket.timeout, TimeoutError) as err:
            return LayersTimeoutError("TIMEOUT", 0, f"No response from {request.get_method()} {request.full_url} within {timeout} s: {err}")
        except urllib.error.URLError as err:
            if isinstance(err.reason, (socket.timeout, TimeoutError)):
                return LayersTimeoutError("TIMEOUT", 0, f"No response from {request.get_method()} {request.full_url} within {timeout} s.")
            return LayersConnectionError("CONNECTION_ERROR", 0, f"Could not reach {request.full_url}: {err.reason}")
        except (ConnectionError, OSError) as err:  # reset mid-response, remote closed without a status line
            return LayersConnectionError("CONNECTION_ERROR", 0, f"Could not reach {request.full_url}: {err}")


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def retry_delay(error: LayersError, attempt: int, safe_to_repeat: bool) -> Optional[float]:
    """Seconds to wait before retrying after ``error``, or None when it must not be retried."""
    retry_after = retry_after_seconds(error.headers)

    def honour() -> Optional[float]:
        if retry_after is None:
            return backoff(attempt)
        if retry_after > MAX_RETRY_AFTER:
            return None
        return retry_after + random.random() * 0.25  # never earlier than asked; a little spread after

    if error.status == 429:  # a guard refused it: nothing ran, any request may repeat
        return honour()
    if error.code == "IDEMPOTENCY_CONFLICT":
        return honour() if (error.details or {}).get("reason") == "in_progress" else None
    if not safe_to_repeat:
        return None
    if error.status == 0:  # connection error or timeout
        return backoff(attempt)
    if error.status >= 500 and error.code != "KILL_SWITCH":
        return honour() if retry_after is not None else backoff(attempt)
    return None


def backoff(attempt: int) -> float:
    base = min(MAX_DELAY, INITIAL_DELAY * 2 ** attempt)
    return base * (1 - JITTER * random.random())
