"""Fetches web pages and feeds over HTTP: a time-out, a size cap, and no door into private networks.

Every connection, the first and each one a redirect leads to, is checked where it is made: the
host name is resolved once, every address it resolves to must be public (not loopback, private,
link-local, multicast, reserved or unspecified) unless private addresses are allowed, and the
socket connects to the address that was checked. Resolving in one place and connecting in
another would let a name that answers differently the second time (DNS rebinding) slip through.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from index.errors import FetchError, PrivateAddressError, TooLargeError

DEFAULT_TIMEOUT_SECONDS = 20.0
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "Kutip/0.1 (+news quote bot; fetches pages admins add)"


@dataclass(frozen=True)
class Fetched:
    """A fetched page: where it ended up after redirects, its bytes and its declared type."""

    url: str
    content: bytes
    content_type: str  # lowercased media type without parameters, "" when not declared
    charset: str | None


def is_public_address(address: str) -> bool:
    """Whether `address` is a public unicast address, reachable from the internet."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


class _GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to checked addresses."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = self._checked_address(host, port)
        return super().connect_tcp(address, port, timeout, local_address, socket_options)

    def _checked_address(self, host: str, port: int) -> str:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise FetchError(f"cannot resolve {host} ({error.strerror})") from None
        addresses = [str(info[4][0]) for info in found]
        if not self.allow_private and (blocked := [a for a in addresses if not is_public_address(a)]):
            raise PrivateAddressError(
                f"{host} resolves to {blocked[0]}, a private or local address: refused "
                "(set KUTIP_ALLOW_PRIVATE_URLS=1 to allow intranet addresses)"
            )
        return addresses[0]


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over the guarded backend.

    httpx does not take a network backend, so the connection pool it made is replaced by an
    identical one that uses the guarded backend (TLS still checks the host name, not the address).
    """

    def __init__(self, allow_private: bool) -> None:
        super().__init__(retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=_GuardedBackend(allow_private),
        )


class Fetcher:
    """Fetches one URL at a time with the deployment's limits; one HTTP client, reused."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._client = httpx.Client(
            transport=_GuardedTransport(allow_private),
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": USER_AGENT},
            trust_env=False,  # a proxy from the environment would connect past the guard
        )

    def fetch(self, url: str) -> Fetched:
        """The page at `url`; raises FetchError (or a subclass) with a reason a person can act on."""
        check_url(url)
        try:
            with self._client.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise FetchError(f"{url} answered HTTP {response.status_code} {response.reason_phrase}")
                content = self._read_capped(response, url)
                return Fetched(str(response.url), content, *_media_type(response.headers.get("content-type", "")))
        except httpx.TimeoutException:
            raise FetchError(f"{url} did not answer within {self.timeout:g} s") from None
        except httpx.TooManyRedirects:
            raise FetchError(f"{url} redirects more than {MAX_REDIRECTS} times") from None
        except httpx.HTTPError as error:
            raise FetchError(f"cannot fetch {url} ({error})") from None

    def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        """The body, refused as soon as it passes the cap or the overall time-out."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise TooLargeError(f"{url} is {_megabytes(int(declared))}, over the {_megabytes(self.max_bytes)} limit")
        deadline = time.monotonic() + self.timeout  # httpx's time-outs are per read; a trickle has none
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise TooLargeError(f"{url} is over the {_megabytes(self.max_bytes)} limit")
            if time.monotonic() > deadline:
                raise FetchError(f"{url} did not finish within {self.timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._client.close()


def check_url(url: str) -> None:
    """Raise FetchError unless `url` is an absolute http or https URL with a host."""
    try:
        parts = httpx.URL(url)
    except httpx.InvalidURL:
        raise FetchError(f"{url!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.host:
        raise FetchError(f"{url!r} is not an http or https URL")


def _media_type(header: str) -> tuple[str, str | None]:
    media, _, parameters = header.partition(";")
    charset = None
    for parameter in parameters.split(";"):
        key, _, value = parameter.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"'")
    return media.strip().lower(), charset


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
