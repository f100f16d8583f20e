"""The terminal's progress bar for index builds (tqdm on stderr)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from tqdm import tqdm


def progress_bar(total: int) -> Callable[[int], None]:
    """A bar on stderr for embedding `total` passages; its callback advances it per batch."""
    bar = tqdm(total=total, desc="embedding passages", unit="passage", file=sys.stderr, disable=total == 0, leave=False)
    advance: Callable[[int], None] = bar.update
    return advance
