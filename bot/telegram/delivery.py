"""How Kutip's requests reach Telegram: throttled, then retried only when a retry cannot double a message.

The retry policy, for every request the bot makes (getUpdates has the Updater's own loop):

- 429 Too Many Requests: wait the ``retry_after`` Telegram asks for, as often as it asks.
- Errors that prove the request was not carried out are retried with exponential backoff:
  no connection could be made (httpx ``ConnectError``, ``ConnectTimeout``), no free connection
  in the pool (``PoolTimeout``), or Telegram or its front end answered 500, 502 or 503.
- Everything else is raised at once: a time-out, or a connection dropped before the answer came
  ("Server disconnected without sending a response"), may follow a message Telegram delivered,
  and sending it again would show the user the answer twice. A 504 is the front end's time-out
  and is raised as one. Telegram's own refusals (400, 403...) would only be refused again.

Each request gives up once ``DELIVERY_BUDGET_SECONDS`` would be exceeded, so an outage of up to
about a minute costs no answer and a longer one ends in the error handler's apology.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

import httpx
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, BaseRateLimiter
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)
T = TypeVar("T")
JSONResult = bool | dict[str, Any] | list[dict[str, Any]]

DELIVERY_BUDGET_SECONDS = 60.0  # the longest a reply may be held back before Kutip gives up
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
RETRY_AFTER_MARGIN_SECONDS = 0.1  # Telegram rounds retry_after; AIORateLimiter adds the same
CONNECTION_POOL_SIZE = 256  # PTB's default for the bot's own requests
# Not 504: the front end stopped waiting, but the Bot API may still send the message.
NOT_CARRIED_OUT_STATUSES = frozenset({500, 502, 503})
_NOT_SENT_CAUSES = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """How long one request may be retried, and how the waits between network failures grow."""

    budget: float = DELIVERY_BUDGET_SECONDS
    first_backoff: float = FIRST_BACKOFF_SECONDS
    max_backoff: float = MAX_BACKOFF_SECONDS

    def backoff(self, failures: int) -> float:
        """The wait after the `failures`-th network failure in a row (0-based), doubling."""
        return float(min(self.first_backoff * 2**failures, self.max_backoff))


# For decoration such as "typing…": one attempt, since waiting for it would delay the answer.
NO_RETRY = RetryPolicy(budget=0.0)


class ServerError(NetworkError):
    """Raised when Telegram or its front end answered 500, 502 or 503: nothing was sent."""

    def __init__(self, status: int) -> None:
        super().__init__(f"{HTTPStatus(status).phrase} ({status})")
        self.status = status


class DeliveryRequest(HTTPXRequest):
    """PTB's HTTP client, raising 5xx answers as what they mean: nothing sent, or a time-out."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(*args, **kwargs)
        if status in NOT_CARRIED_OUT_STATUSES:
            raise ServerError(status)
        if status == HTTPStatus.GATEWAY_TIMEOUT:
            raise TimedOut("Gateway Time-out (504): Telegram may still carry the request out")
        return status, payload


def was_not_carried_out(error: BaseException) -> bool:
    """Whether `error` proves Telegram never acted on the request, so sending it again is safe."""
    if isinstance(error, ServerError):
        return True
    # PTB wraps httpx's exceptions in NetworkError or TimedOut, keeping them as the cause.
    return isinstance(error, NetworkError) and isinstance(error.__cause__, _NOT_SENT_CAUSES)


def may_have_arrived(error: BaseException) -> bool:
    """Whether the request went out but no answer came back, so Telegram may have acted on it."""
    if was_not_carried_out(error):
        return False
    lost = isinstance(error, NetworkError) and isinstance(error.__cause__, httpx.TransportError)
    return lost or isinstance(error, TimedOut)


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)  # int now, timedelta later
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def deliver(send: Callable[[], Awaitable[T]], policy: RetryPolicy, what: str) -> T:
    """Await `send()`, retrying as the module docstring says until it succeeds or the budget is spent."""
    deadline = time.monotonic() + policy.budget
    failures = 0
    while True:
        try:
            return await send()
        except TelegramError as error:
            wait = _wait_before_retry(error, failures, policy)
            if wait is None or time.monotonic() + wait > deadline:
                raise
            failures += not isinstance(error, RetryAfter)
            log.warning("%s was not delivered (%s); retrying in %.1f s", what, error, wait)
        await asyncio.sleep(wait)


def _wait_before_retry(error: TelegramError, failures: int, policy: RetryPolicy) -> float | None:
    """Seconds to wait before sending again, or None when sending again could double a message."""
    if isinstance(error, RetryAfter):
        return retry_after_seconds(error) + RETRY_AFTER_MARGIN_SECONDS
    return policy.backoff(failures) if was_not_carried_out(error) else None


class DeliveryLimiter(BaseRateLimiter[RetryPolicy]):
    """AIORateLimiter's throttling under Telegram's flood limits, with the retry policy inside it.

    A call may pass its own policy as ``rate_limit_args`` (``NO_RETRY`` for decoration).
    Retries of one request share its throttle slot: they wait for Telegram, not for the throttle.
    """

    def __init__(self, policy: RetryPolicy = RetryPolicy()) -> None:
        self.policy = policy
        # No retries of its own: they would count attempts, not time, and end in an apology.
        self._throttle = AIORateLimiter(max_retries=0)

    async def initialize(self) -> None:
        await self._throttle.initialize()

    async def shutdown(self) -> None:
        await self._throttle.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: RetryPolicy | None,
    ) -> JSONResult:
        policy = rate_limit_args or self.policy

        async def with_retries(*call_args: Any, **call_kwargs: Any) -> JSONResult:
            return await deliver(lambda: callback(*call_args, **call_kwargs), policy, endpoint)

        return await self._throttle.process_request(with_retries, args, kwargs, endpoint, data, None)
