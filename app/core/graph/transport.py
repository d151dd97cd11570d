"""HTTP transport to the Graph API: URLs, signed tokens, timeouts, retries, paging and batch."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from app.core.graph.batch import BatchOperation, BatchResult, batch_field, parse_batch_reply
from app.core.graph.encoding import appsecret_proof, encode_params
from app.core.graph.errors import GraphError, TransientError, classify, redact
from app.core.graph.settings import GraphSettings
from app.core.graph.usage import Usage, parse_usage

GATEWAY_STATUSES = frozenset({502, 504})

logger = logging.getLogger(__name__)

# Parameters whose values must never show up in an exception message.
SECRET_PARAMS = frozenset(
    {"access_token", "appsecret_proof", "client_secret", "code", "fb_exchange_token", "input_token"}
)
_QUERY_STRING = re.compile(r"\?[^\s'\"]*")
_TRANSIENT_REQUEST_ERRORS = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass(frozen=True)
class GraphResponse:
    """A successful Graph reply: parsed JSON `data`, HTTP `status`, `usage` and `headers`."""

    data: Any
    status: int
    usage: Usage
    headers: dict[str, str]


class GraphTransport:
    """Sends requests to Graph with one access token; the base of GraphClient.

    GET is retried on transient failures with capped exponential backoff and full jitter.
    POST and DELETE are never retried here: only the caller knows whether sending twice is
    harmless. Rate limits are never retried either; RateLimited says how long to wait.
    """

    def __init__(
        self,
        token: str | None,
        settings: GraphSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._token = token
        self.settings = settings
        self._session = session if session is not None else requests.Session()
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._clock = clock

    def __repr__(self) -> str:
        token_state = "set" if self._token else "none"
        return (
            f"{type(self).__name__}(base_url={self.settings.base_url!r}, "
            f"version={self.settings.version!r}, token={token_state})"
        )

    def url(self, path: str) -> str:
        """Return the absolute, versioned URL of a Graph path."""
        return f"{self.settings.base_url.rstrip('/')}/{self.settings.version}/{path.lstrip('/')}"

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> GraphResponse:
        """GET a Graph path (retried on transient failures)."""
        return self._call("GET", self.url(path), query=self._signed(params), retry=True)

    def post(self, path: str, data: Mapping[str, Any] | None = None) -> GraphResponse:
        """POST form-encoded parameters to a Graph path (never retried)."""
        return self._call("POST", self.url(path), form=self._signed(data), retry=False)

    def delete(self, path: str, params: Mapping[str, Any] | None = None) -> GraphResponse:
        """DELETE a Graph path (never retried)."""
        return self._call("DELETE", self.url(path), query=self._signed(params), retry=False)

    def paginate(
        self, path: str, params: Mapping[str, Any] | None = None, *, max_pages: int = 1000
    ) -> Iterator[dict[str, Any]]:
        """Yield every item of `data` across all pages, following `paging.next`.

        Pages may be short or empty and still carry `next`, so only a missing `next` ends the
        walk; a `next` seen before, or reaching `max_pages`, stops it early.
        """
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        response = self.get(path, params)
        seen_next_urls: set[str] = set()
        for page_number in range(1, max_pages + 1):
            yield from _page_items(response)
            next_url = _next_url(response)
            if next_url is None:
                return
            if next_url in seen_next_urls:
                logger.warning("graph paging of %s stopped: a next link repeated", path)
                return
            if page_number == max_pages:
                logger.warning("graph paging of %s stopped after %d pages", path, max_pages)
                return
            seen_next_urls.add(next_url)
            response = self._get_absolute(next_url)

    def batch(self, operations: Sequence[BatchOperation]) -> list[BatchResult]:
        """Send up to 50 operations in one POST; return one result per operation, in order.

        A failure of the whole request raises; failures of single operations are returned
        in their BatchResult, classified like any other Graph error.
        """
        return self.batch_with_usage(operations)[0]

    def batch_with_usage(
        self, operations: Sequence[BatchOperation]
    ) -> tuple[list[BatchResult], Usage]:
        """`batch`, with the usage headers of the whole reply (where Facebook reports how close
        the app and Page are to their limits)."""
        form = self._signed({"include_headers": False, "batch": batch_field(operations)})
        response = self._call("POST", self.url(""), form=form, retry=False)
        results = parse_batch_reply(
            response.data,
            len(operations),
            http_status=response.status,
            secrets=self._secrets(self.url(""), form),
        )
        return results, response.usage

    def _auth_params(self, token: str | None) -> dict[str, str]:
        if not token:
            return {}
        params = {"access_token": token}
        if self.settings.app_secret:
            params["appsecret_proof"] = appsecret_proof(self.settings.app_secret, token)
        return params

    def _signed(self, params: Mapping[str, Any] | None) -> dict[str, str]:
        return {**encode_params(params), **self._auth_params(self._token)}

    def _get_absolute(self, url: str) -> GraphResponse:
        # Paging links already carry their query (often the token too): add only what is missing.
        present = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        auth = self._auth_params(present.get("access_token") or self._token)
        missing = {name: value for name, value in auth.items() if name not in present}
        return self._call("GET", url, query=missing, retry=True)

    def _call(
        self,
        method: str,
        url: str,
        *,
        query: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        retry: bool,
    ) -> GraphResponse:
        attempt = 0
        while True:
            try:
                return self._attempt(method, url, query, form)
            except TransientError:
                if not retry or attempt >= self.settings.max_retries:
                    raise
                delay = self._backoff(attempt)
                path = urlsplit(url).path
                logger.info("graph %s %s failed transiently; retry in %.2f s", method, path, delay)
                self._sleep(delay)
                attempt += 1

    def _backoff(self, attempt: int) -> float:
        # Full jitter spreads retries of many workers instead of having them collide.
        ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2**attempt)
        return self._rng.uniform(0.0, ceiling)

    def _attempt(
        self, method: str, url: str, query: dict[str, str] | None, form: dict[str, str] | None
    ) -> GraphResponse:
        path = urlsplit(url).path
        secrets = self._secrets(url, query, form)
        started = time.perf_counter()
        try:
            reply = self._session.request(
                method, url, params=query, data=form, timeout=self.settings.timeout
            )
        except requests.RequestException as exc:
            raise _request_failure(method, path, exc, secrets) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug("graph %s %s -> %s in %.1f ms", method, path, reply.status_code, elapsed_ms)
        return _read_reply(reply, method, path, secrets)

    def _secrets(self, url: str, *param_sets: Mapping[str, str] | None) -> list[str]:
        found = [self._token or "", self.settings.app_secret or ""]
        url_params = parse_qsl(urlsplit(url).query, keep_blank_values=True)
        for params in (dict(url_params), *param_sets):
            found.extend(value for name, value in (params or {}).items() if name in SECRET_PARAMS)
        return [secret for secret in found if secret]


def require_success(response: GraphResponse) -> None:
    """Raise GraphError unless Graph confirmed the change (`true` or `{"success": true}`)."""
    data = response.data
    if data is True or (isinstance(data, dict) and data.get("success") is True):
        return
    raise GraphError(
        "Graph did not confirm success", http_status=response.status, usage=response.usage
    )


def _read_reply(
    reply: requests.Response, method: str, path: str, secrets: list[str]
) -> GraphResponse:
    usage = parse_usage(reply.headers)
    status = reply.status_code
    try:
        data = reply.json()
    except ValueError:
        message = f"non-JSON reply ({status}) to {method} {path}"
        if status < 500:
            raise GraphError(message, http_status=status, usage=usage) from None
        # A gateway that timed out or lost its upstream (502/504) may have passed a POST on
        # already: a send is then uncertain, never blindly repeated.
        maybe = method != "GET" and status in GATEWAY_STATUSES
        raise TransientError(
            message, http_status=status, usage=usage, maybe_delivered=maybe
        ) from None
    if status >= 400 or (isinstance(data, dict) and isinstance(data.get("error"), dict)):
        raise classify(data if isinstance(data, dict) else {}, status, usage, secrets=secrets)
    return GraphResponse(data=data, status=status, usage=usage, headers=dict(reply.headers))


def _request_failure(
    method: str, path: str, exc: requests.RequestException, secrets: list[str]
) -> GraphError:
    # requests quotes the full URL, query string and token included: strip and redact it.
    detail = redact(_QUERY_STRING.sub("?[query removed]", str(exc)), secrets)
    # Once the request may have left (anything but a failed connect), a POST may have been acted
    # on: a send then is "uncertain", not "failed".
    maybe = method != "GET" and not isinstance(exc, requests.ConnectTimeout)
    if isinstance(exc, requests.Timeout):
        message = f"{method} {path} timed out ({type(exc).__name__}): {detail}"
        return TransientError(message, maybe_delivered=maybe)
    if isinstance(exc, _TRANSIENT_REQUEST_ERRORS):
        message = f"{method} {path} connection failed ({type(exc).__name__}): {detail}"
        return TransientError(message, maybe_delivered=maybe and not _never_connected(exc))
    return GraphError(f"{method} {path} could not be sent ({type(exc).__name__}): {detail}")


def _never_connected(exc: requests.RequestException) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _page_items(response: GraphResponse) -> list[dict[str, Any]]:
    page = response.data
    items = page.get("data", []) if isinstance(page, dict) else None
    if not isinstance(items, list):
        raise GraphError("expected a paged reply with a `data` list", http_status=response.status)
    return items


def _next_url(response: GraphResponse) -> str | None:
    paging = response.data.get("paging")
    next_url = paging.get("next") if isinstance(paging, dict) else None
    return next_url if isinstance(next_url, str) and next_url else None
