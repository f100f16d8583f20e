"""The library's exceptions, each with a message that says what to do next.

KutipError
├── SeedError            raised when seeds/ is missing or holds no readable article
├── ModelError           raised when the embedding model cannot be found, verified or loaded
└── StoredIndexError     base of the problems with the index on disk
    ├── IndexMissingError       raised when the data directory holds no index yet
    ├── IndexIncompatibleError  raised when the index was built by another model or format
    └── IndexCorruptError       raised when an index file is truncated, unreadable or inconsistent
"""

from __future__ import annotations

REBUILD_HINT = "run `kutip index --rebuild`"


class KutipError(Exception):
    """Base class of every error the library raises on purpose."""


class SeedError(KutipError):
    """Raised when seeds/ is missing or holds no readable article."""


class ModelError(KutipError):
    """Raised when the embedding model cannot be found, verified or loaded."""


class StoredIndexError(KutipError):
    """Base class of problems with the index on disk."""


class IndexMissingError(StoredIndexError):
    """Raised when the data directory holds no index yet."""


class IndexIncompatibleError(StoredIndexError):
    """Raised when the index was built by another model or format version."""


class IndexCorruptError(StoredIndexError):
    """Raised when an index file is truncated, unreadable or inconsistent."""
