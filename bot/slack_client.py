"""Every WebClient the app makes comes from here, so SLACK_API_URL and retry policy apply everywhere."""

from __future__ import annotations

import random
import time

from slack_sdk import WebClient
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
        request: HttpRequest,
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


def make_web_client(settings: Settings, *, timeout: int = 15) -> WebClient:
    client = WebClient(
        token=settings.slack_bot_token.reveal() or None,
        base_url=settings.slack_api_url,
        timeout=timeout,
    )
    # 429: wait for Retry-After (slack_sdk reads the header); 5xx: exponential backoff with jitter.
    client.retry_handlers.extend(
        [
            RetryAfterHandler(max_retry_count=8),
            ServerErrorRetryHandler(max_retry_count=4),
        ]
    )
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    return client
