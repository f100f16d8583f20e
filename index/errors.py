"""The library's exceptions, each with a message that says what to do next.

KutipError
├── SeedError            raised when seeds/ is missing or holds no readable article
├── ModelError           raised when the embedding model cannot be found, verified or loaded
├── StoredIndexError     base of the problems with the index on disk
│   ├── IndexMissingError       raised when the data directory holds no index yet
│   ├── IndexIncompatibleError  raised when the index was built by another model or format
│   ├── IndexCorruptError       raised when an index file is truncated, unreadable or inconsistent
│   └── StoreUnavailableError   raised when the configured store (Milvus) cannot be reached or used
└── LibraryError         base of the reasons an article cannot be added or removed
    ├── FetchError              raised when a page or feed cannot be fetched (time-out, HTTP error)
    │   ├── PrivateAddressError raised when a URL leads to a loopback, private or link-local address
    │   └── TooLargeError       raised when a page, feed or file is over the size limit
    ├── UnsupportedTypeError    raised when a page or file is of a kind Kutip cannot read
    ├── ExtractionError         raised when no article text can be found in a page or file
    ├── DuplicateError          raised when the article (same URL or same text) is already there
    └── RemovalError            base of the reasons an article cannot be removed
        ├── ArticleNotFoundError    raised when no article has the id or title to remove
        ├── AmbiguousTitleError     raised when several articles have the title to remove
        └── LastArticleError        raised when the article to remove is the library's only one
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


class StoreUnavailableError(StoredIndexError):
    """Raised when the configured store cannot be used: Milvus unreachable, its file in use by
    another process, or its client (the `milvus` extra) not installed."""


class LibraryError(KutipError):
    """Base class of the reasons an article cannot be added or removed."""


class FetchError(LibraryError):
    """Raised when a page or feed cannot be fetched: a time-out, a refused connection, an HTTP error."""


class PrivateAddressError(FetchError):
    """Raised when a URL (or a redirect) leads to a loopback, private or link-local address."""


class TooLargeError(FetchError):
    """Raised when a page, feed or file is over the configured size limit."""


class UnsupportedTypeError(LibraryError):
    """Raised when a page or file is of a kind Kutip cannot read (a PDF, an image...)."""


class ExtractionError(LibraryError):
    """Raised when no article text can be found in a page or file."""


class DuplicateError(LibraryError):
    """Raised when the article is already in the library: same URL or same text."""

    def __init__(self, message: str, existing_id: str, existing_title: str) -> None:
        super().__init__(message)
        self.existing_id = existing_id
        self.existing_title = existing_title


class RemovalError(LibraryError):
    """Base class of the reasons an article cannot be removed."""


class ArticleNotFoundError(RemovalError):
    """Raised when no article has the id or exact title given to remove."""


class AmbiguousTitleError(RemovalError):
    """Raised when several articles have the exact title given to remove: remove one by its id."""


class LastArticleError(RemovalError):
    """Raised when the article to remove is the only one: a library is never left empty."""
