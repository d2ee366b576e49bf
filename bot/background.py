"""Work done after the ack: Slack gives an interaction 3 seconds, and creating a channel,
inviting a team and pinning a card can take longer than that.

A failure here cannot reach the person through the HTTP response any more, so a domain
error is reported to them by DM through the gateway; anything else is logged with its type
only (the arguments may hold candidate data) and the person is told it failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from bot.errors import HirebotError

log = logging.getLogger(__name__)

Notify = Callable[[str, str], None]  # (user id, sentence)


class Background(Protocol):
    def submit(self, actor: str | None, job: Callable[..., Any], *args: Any) -> None: ...


class _Reporting:
    def __init__(self, notify: Notify | None = None):
        self.notify = notify

    def _run(self, actor: str | None, job: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            job(*args)
        except HirebotError as exc:
            log.warning("background %s failed: %s", getattr(job, "__qualname__", job), type(exc).__name__)
            self._tell(actor, exc.user_message)
        except Exception:
            log.exception("background %s crashed", getattr(job, "__qualname__", job))
            self._tell(actor, "Something went wrong on our side and that didn't finish. Please try again.")

    def _tell(self, actor: str | None, sentence: str) -> None:
        if actor and self.notify:
            try:
                self.notify(actor, sentence)
            except Exception:  # the report itself failing must not hide the first failure
                log.exception("could not tell the user about a failed background job")


class ThreadBackground(_Reporting):
    """The production runner: a small pool, so one slow Slack call does not block others."""

    def __init__(self, notify: Notify | None = None, workers: int = 4):
        super().__init__(notify)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hirebot-bg")
        self._futures: set[Future[None]] = set()

    def submit(self, actor: str | None, job: Callable[..., Any], *args: Any) -> None:
        future = self._pool.submit(self._run, actor, job, args)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)

    def wait(self, timeout: float = 30.0) -> None:
        """Block until everything submitted so far has finished (tests and benchmarks)."""
        for future in list(self._futures):
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


class QueuedBackground(_Reporting):
    """Runs nothing until drained: lets a test check the ack first, then what follows it."""

    def __init__(self, notify: Notify | None = None):
        super().__init__(notify)
        self.queue: list[tuple[str | None, Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, actor: str | None, job: Callable[..., Any], *args: Any) -> None:
        self.queue.append((actor, job, args))

    def drain(self) -> int:
        ran = 0
        while self.queue:
            actor, job, args = self.queue.pop(0)
            self._run(actor, job, args)
            ran += 1
        return ran
