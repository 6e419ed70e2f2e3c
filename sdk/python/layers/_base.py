"""What the generated resources (_resources.py) stand on: the request builder, list pages, response info."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Generic, Iterator, List, Mapping, Optional, Tuple, TypeVar
from urllib.parse import quote

from ._operations import OPERATIONS
from ._transport import Transport

T = TypeVar("T")


@dataclass(frozen=True)
class RateLimit:
    """``RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` (seconds until the window resets)."""

    limit: int
    remaining: int
    reset_seconds: int


@dataclass(frozen=True)
class ResponseInfo:
    """What a successful call's HTTP response said besides its body: ``layers.response_of(result)``."""

    #: ``X-Request-Id``: quote it to support.
    request_id: Optional[str]
    status: int
    #: Response headers, lower-case names.
    headers: Mapping[str, str]
    #: The Idempotency-Key the call sent (writes only).
    idempotency_key: Optional[str]
    rate_limit: Optional[RateLimit]


class _Object(Dict[str, Any]):
    """A result: the JSON object as the API sent it (a dict), plus its ResponseInfo, unseen by ``==`` and json."""

    def __init__(self, body: Mapping[str, Any], response: ResponseInfo):
        super().__init__(body)
        self._response = response


class ListPage(Dict[str, Any], Generic[T]):
    """One page of a list (``page["items"]``, ``page["nextCursor"]``, as on the wire).

    ``page.auto_paging_iter()`` yields every item of this page and of the pages after it, calling
    the same method with the same arguments and each ``nextCursor`` in turn.
    """

    def __init__(self, body: Mapping[str, Any], response: Optional[ResponseInfo] = None,
                 next_page: Optional[Callable[[str], "ListPage[T]"]] = None):
        super().__init__(body)
        self._response = response
        self._next = next_page

    @property
    def data(self) -> List[T]:
        """This page's ``items``."""
        items: List[T] = self.get("items") or []
        return items

    @property
    def next_cursor(self) -> Optional[str]:
        cursor: Optional[str] = self.get("nextCursor")
        return cursor

    def auto_paging_iter(self) -> Iterator[T]:
        page: ListPage[T] = self
        while True:
            yield from page.data
            cursor = page.next_cursor
            if not cursor or page._next is None:
                return
            page = page._next(cursor)


def response_of(result: object) -> ResponseInfo:
    """The request id, status, headers and rate limit of the call that returned ``result``."""
    info = getattr(result, "_response", None)
    if not isinstance(info, ResponseInfo):
        raise TypeError("response_of() takes a result returned by a Layers method")
    return info


class Requester:
    """Turns an operationId and its arguments (wire names) into an HTTP call, and the answer into a result."""

    def __init__(self, transport: Transport, method_names: Mapping[str, str]):
        self._transport = transport
        self._names = method_names

    def call(self, operation_id: str, args: Mapping[str, Any], *, idempotency_key: Optional[str] = None,
             timeout: Optional[float] = None, max_retries: Optional[int] = None,
             extra_headers: Optional[Dict[str, str]] = None) -> Any:
        spec = OPERATIONS.get(operation_id)
        if spec is None:
            raise TypeError(f"Unknown operation {operation_id}")
        rest: Dict[str, Any] = dict(args)
        where = self._names.get(operation_id, operation_id)

        def fill(match: "re.Match[str]") -> str:
            value = rest.pop(match.group(1), None)
            if value in (None, ""):
                raise TypeError(f"{where.rpartition('.')[2]}() needs {_snake(match.group(1))}=")
            return quote(str(value), safe="")

        path = re.sub(r"\{(\w+)\}", fill, spec["path"])
        query: List[Tuple[str, str]] = []
        for name in spec["query"]:
            value: Any = rest.pop(name, None)
            items: List[Any] = list(value) if isinstance(value, (list, tuple)) else [value]  # type: ignore[reportUnknownArgumentType]
            for item in items:
                if item is not None:
                    query.append((name, ("true" if item else "false") if isinstance(item, bool) else str(item)))
        rest = {k: v for k, v in rest.items() if v is not None}
        if not spec["body"] and rest:
            raise TypeError(f"{where}() got unexpected argument(s): {', '.join(_snake(k) for k in rest)}")
        body = rest if spec["body"] == "required" or (spec["body"] and rest) else None
        answer = self._transport.send(spec["method"], path, query, body, spec["idempotent"], idempotency_key=idempotency_key,
                                      timeout=timeout, max_retries=max_retries, extra_headers=extra_headers)
        body: Any = answer.body
        if isinstance(body, dict):
            return _Object(body, _info(answer.status, answer.headers, answer.idempotency_key))  # type: ignore[reportUnknownArgumentType]
        return body

    def list(self, operation_id: str, args: Mapping[str, Any], **options: Any) -> ListPage[Any]:
        first: Any = self.call(operation_id, args, **options)
        return ListPage(first if isinstance(first, dict) else {}, getattr(first, "_response", None),  # type: ignore[reportUnknownArgumentType]
                        lambda cursor: self.list(operation_id, {**args, "cursor": cursor}, **options))


def _info(status: int, headers: Dict[str, str], idempotency_key: Optional[str]) -> ResponseInfo:
    rate_limit = None
    try:
        if "ratelimit-limit" in headers:
            rate_limit = RateLimit(int(headers["ratelimit-limit"]), int(headers.get("ratelimit-remaining", "0")),
                                   int(headers.get("ratelimit-reset", "0")))
    except ValueError:
        pass
    return ResponseInfo(headers.get("x-request-id"), status, headers, idempotency_key, rate_limit)


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


class Resource:
    """A namespace of methods (``layers.social``, ``layers.projects``, …), generated in _resources.py."""

    def __init__(self, client: Requester):
        self._client = client

    def __repr__(self) -> str:
        names = sorted(n for n in dir(type(self)) if not n.startswith("_") and callable(getattr(self, n)))
        return f"<layers {type(self).__name__}: {', '.join(names)}>"
