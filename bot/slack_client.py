"""Every WebClient the app makes comes from here, so SLACK_API_URL and retry policy apply everywhere."""

from __future__ import annotations

import http.client
import io
import random
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.settings import Settings

# slack_sdk waits Retry-After plus up to a whole extra second; with many senders that idles most of the
# rate limit away. A short jitter still spreads the retries.
RETRY_JITTER_SECONDS = 0.2


class RetryAfterHandler(RateLimitErrorRetryHandler):
    """On 429, wait exactly what Slack's Retry-After asks (plus a short jitter), then retry."""

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,  # noqa: ARG002 (slack_sdk passes it by name)
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("429 without a response")
        state.next_attempt_requested = True
        retry_after = 1.0
        for name, values in response.headers.items():
            if name.lower() == "retry-after" and values:
                try:
                    retry_after = max(0.0, float(values[0]))
                except ValueError:
                    retry_after = 1.0
        time.sleep(retry_after + random.uniform(0, RETRY_JITTER_SECONDS))
        state.increment_current_attempt()


# Methods that create something visible: Slack may have done it before answering 5xx, so a blind retry could
# post the same message twice. Their 5xx reaches the caller; the outbox retries a DM only after looking for
# it in the DM's history (message metadata carries the delivery id).
NOT_RETRIED_AFTER_5XX = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage", "chat.meMessage", "files.completeUploadExternal"}
)


class IdempotentServerErrorRetryHandler(ServerErrorRetryHandler):
    """ServerErrorRetryHandler, except for the methods that post (NOT_RETRIED_AFTER_5XX)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if method in NOT_RETRIED_AFTER_5XX:
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


_HostKey = tuple[str, str, int | None]  # scheme, host, port

# A connection idle longer than this is not reused: a load balancer may have dropped it without a word.
MAX_IDLE_SECONDS = 30.0


class KeepAliveWebClient(WebClient):
    """slack_sdk's WebClient, keeping one HTTP(S) connection per thread and host open between calls.

    slack_sdk opens a new connection (for https, a new TLS handshake) for every Web API call; a pulse
    round's fan-out or a burst of button clicks pays that on every call. Only the transport step is
    replaced, with urllib's contract (a dict for 2xx, HTTPError otherwise, URLError when the request
    could not be sent), so retries, Retry-After and error handling run through slack_sdk unchanged.
    """

    def __init__(self, *args: Any, max_idle_seconds: float = MAX_IDLE_SECONDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_idle_seconds = max_idle_seconds
        self._local = threading.local()
        self._tls_context: ssl.SSLContext | None = None

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        target = urlsplit(url)
        if self.proxy is not None or target.scheme not in ("http", "https") or not target.hostname:
            # Proxies, and refusing anything but http(s), stay slack_sdk's own.
            return super()._perform_urllib_http_request_internal(url, req)
        key = (target.scheme, target.hostname, target.port)
        connection = self._take_connection(key)
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        # Only a connection whose exchange finished cleanly goes back for reuse; any failure drops it (one
        # that failed half way still holds the unsent part of its request).
        try:
            connection.request(req.get_method(), path, body=req.data, headers=dict(req.header_items()))
        except OSError as error:  # as urllib: a request that could not be sent is a URLError (retried)
            connection.close()
            raise URLError(error) from error
        except BaseException:
            connection.close()
            raise
        try:
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            self._kept()[key] = (connection, time.monotonic())
        headers = response.msg
        if not 200 <= response.status < 300:
            raise HTTPError(url, response.status, response.reason, headers, io.BytesIO(body))
        if headers.get_content_type() == "application/gzip":
            return {"status": response.status, "headers": headers, "body": body}
        charset = headers.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": headers, "body": body.decode(charset)}

    def _take_connection(self, key: _HostKey) -> http.client.HTTPConnection:
        """This thread's kept connection to the host, unless the server closed it or it sat idle too long;
        else a new one."""
        kept = self._kept().pop(key, None)
        if kept is not None:
            connection, idle_since = kept
            # Readable while idle means the server closed it (or sent garbage): never send on it.
            if connection.sock is not None and (
                time.monotonic() - idle_since <= self.max_idle_seconds and not _readable(connection.sock)
            ):
                return connection
            connection.close()
        scheme, host, port = key
        if scheme == "https":
            if self._tls_context is None:
                self._tls_context = self.ssl or ssl.create_default_context()
            return http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self._tls_context)
        return http.client.HTTPConnection(host, port, timeout=self.timeout)

    def close_thread_connections(self) -> None:
        """Close this thread's kept connections: for a thread about to end (a fan-out's sender)."""
        kept = self._kept()
        for connection, _idle_since in kept.values():
            connection.close()
        kept.clear()

    def _kept(self) -> dict[_HostKey, tuple[http.client.HTTPConnection, float]]:
        """This thread's idle connections by host, each with when it went idle."""
        if not hasattr(self._local, "kept"):
            self._local.kept = {}
        kept: dict[_HostKey, tuple[http.client.HTTPConnection, float]] = self._local.kept
        return kept


def _readable(sock: socket.socket) -> bool:
    """Whether the socket has something to read right now (poll, unlike select, takes any descriptor number)."""
    if not hasattr(select, "poll"):  # Windows: select is all there is
        return bool(select.select([sock], [], [], 0)[0])
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def close_thread_connections(client: WebClient) -> None:
    """Close the calling thread's kept connections, if the client keeps any."""
    if isinstance(client, KeepAliveWebClient):
        client.close_thread_connections()


# OAuth mode: the bot token of the installation the running listener or job acts for (see acting_as).
_acting_token: ContextVar[str | None] = ContextVar("pulssi_acting_token", default=None)


class NotInstalledError(SlackClientError):
    """OAuth mode: a Slack call made with no workspace's installation to act for. Nothing was sent."""


@contextmanager
def acting_as(bot_token: str) -> Iterator[None]:
    """Calls through an InstallationWebClient in this context (and in work it hands on with the context
    copied: Deps.run_later, Bolt's listener threads) carry `bot_token`."""
    reset = _acting_token.set(bot_token)
    try:
        yield
    finally:
        _acting_token.reset(reset)


def act_as(bot_token: str | None) -> None:
    """Bind `bot_token` for the rest of the current context: for a request that runs in a context of its own
    (bot.web), where Bolt runs the listeners after the middleware that knows the token has returned."""
    _acting_token.set(bot_token)


def acting_token() -> str | None:
    return _acting_token.get()


def _names_token(arguments: dict[str, Any]) -> bool:
    return any(isinstance(part, dict) and part.get("token") for part in arguments.values())


class InstallationWebClient(KeepAliveWebClient):
    """OAuth mode's client: there is no default token. Each call carries the token of the installation the
    current listener (the request's, as Bolt authorized it) or job (bot.installations) acts for; a call made
    outside of one raises NotInstalledError instead of going out with another workspace's token."""

    @property
    def token(self) -> str | None:
        return _acting_token.get()

    @token.setter
    def token(self, _value: str | None) -> None:
        return None  # WebClient's __init__ sets it; the token is only ever the acting one

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        # oauth.v2.access authenticates with the client id and secret; an explicit token= names its own.
        if _acting_token.get() is None and not api_method.startswith("oauth.") and not _names_token(kwargs):
            raise NotInstalledError(f"{api_method}: no workspace installation to act for")
        return super().api_call(api_method, **kwargs)


def make_web_client(settings: Settings, *, timeout: int = 15, own_token_only: bool = False) -> WebClient:
    """`own_token_only`: in OAuth mode, a client for calls that name their credentials themselves (token
    refreshes), instead of one that acts for an installation."""
    acts = settings.oauth_enabled and not own_token_only
    client_class = InstallationWebClient if acts else KeepAliveWebClient
    client = client_class(
        token=settings.slack_bot_token.reveal() or None,
        base_url=settings.slack_api_url,
        timeout=timeout,
    )
    # 429: wait for Retry-After (slack_sdk reads the header); 5xx: exponential backoff with jitter, except
    # for posting methods (a retry could post twice).
    client.retry_handlers.extend(
        [
            RetryAfterHandler(max_retry_count=8),
            IdempotentServerErrorRetryHandler(max_retry_count=4),
        ]
    )
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    return client


# A lookup a view submission needs before ack() must leave Slack's 3 seconds intact: one try, this long.
LOOKUP_BUDGET_SECONDS = 1


def make_lookup_client(settings: Settings, *, timeout: int = LOOKUP_BUDGET_SECONDS) -> WebClient:
    """A client for lookups before ack(): a short timeout and no retries at all, so a 429 comes back as an
    error at once instead of sleeping out Retry-After. The caller decides later, after ack(), with the
    ordinary client."""
    client_class = InstallationWebClient if settings.oauth_enabled else KeepAliveWebClient
    client = client_class(
        token=settings.slack_bot_token.reveal() or None, base_url=settings.slack_api_url, timeout=timeout
    )
    client.retry_handlers.clear()
    return client
