"""Keeps a running service in step with seeds/: notices changes, rebuilds in the background, swaps.

Every `KUTIP_REFRESH_SECONDS` the article files are listed (path, size, modification time:
cheap even for thousands of files). When that list changed, or an admin added or removed an
article, the index is refreshed as `kutip index` does (only changed articles re-embedded, one
build at a time per data folder) and the new generation is loaded and swapped into the service.
An index that another process (`kutip add`, `kutip index`) built is picked up the same way.
Questions are answered from the previous generation all along.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.service import QuoteService, open_index, refresh
from bot.settings import Settings
from index import KutipError, describe_files, read_manifest

log = logging.getLogger(__name__)
PROGRESS_LOG_SECONDS = 5.0


def logging_progress(total: int) -> Callable[[int], None]:
    """Build progress for a background build: a log line every few seconds, and one at the end."""
    done = 0
    last = time.monotonic()
    if total:
        log.info("indexing %d passages in the background", total)

    def advance(count: int) -> None:
        nonlocal done, last
        done += count
        if time.monotonic() - last >= PROGRESS_LOG_SECONDS or done >= total:
            last = time.monotonic()
            log.info("indexing: %d of %d passages (%d%%)", done, total, 100 * done // max(total, 1))

    return advance


class Refresher:
    """A background thread that refreshes the index when seeds/ changes and swaps it in."""

    def __init__(self, service: QuoteService, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self._seen: list[tuple[str, int, int]] | None = None  # None: check at the first pass
        self._warnings: tuple[str, ...] = ()
        self._forced = False
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.building = False

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="kutip-refresh", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling; a build in progress is left to finish (the thread is a daemon)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def request(self) -> None:
        """Refresh at once, without waiting for the next poll (after an add or a removal)."""
        self._forced = True
        self._wake.set()

    def refresh_now(self) -> bool:
        """One pass in the calling thread; True when a new generation was swapped in."""
        files = describe_files(self.settings.seeds_dir)
        on_disk = read_manifest(self.settings.data_dir).generation
        if files == self._seen and not self._forced and on_disk == self.service.generation.name:
            return False
        self._forced = False
        self.building = True
        try:
            report = refresh(self.settings, self.service.embedder, logging_progress)
        finally:
            self.building = False
        self._seen = files  # listed before the build: a change made during it triggers another
        self._log_new_warnings(report.warnings)
        return self._swap_if_newer()

    def _swap_if_newer(self) -> bool:
        manifest = read_manifest(self.settings.data_dir)
        if manifest.generation == self.service.generation.name:
            return False
        stored = open_index(self.settings, self.service.embedder)
        self.service.swap(stored)
        log.info("now answering from %d articles, %d passages", len(stored.articles), stored.manifest.passage_count)
        return True

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.refresh_now()
            except KutipError as error:
                log.error("background refresh failed, still answering from the previous index: %s", error)
            except Exception:  # a background thread must not die: the next pass may succeed
                log.exception("background refresh failed, still answering from the previous index")
            self._wake.wait(self.settings.refresh_seconds)
            self._wake.clear()

    def _log_new_warnings(self, warnings: tuple[str, ...]) -> None:
        for warning in warnings:
            if warning not in self._warnings:
                log.warning(warning)
        self._warnings = warnings
