"""Every WebClient the app makes comes from here, so SLACK_API_URL and retry policy apply everywhere."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.settings import Settings


def make_web_client(settings: Settings, *, timeout: int = 15) -> WebClient:
    client = WebClient(
        token=settings.slack_bot_token.reveal() or None,
        base_url=settings.slack_api_url,
        timeout=timeout,
    )
    # 429: wait for Retry-After (slack_sdk reads the header); 5xx: exponential backoff with jitter.
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=8),
            ServerErrorRetryHandler(max_retry_count=4),
        ]
    )
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    return client
