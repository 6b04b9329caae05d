"""CX feed sources: which ones may be used, and reading them without handing the server to whoever set them.

A Slack admin is not always the server's admin, so a source set from Slack gets no more than a feed:
* a file path is fully resolved (`~`, `..`, symlinks) and must lie inside CX_FEED_DIR, checked when it is set
  and again when it is read (the file that is opened is the resolved one);
* a URL must resolve to public addresses only, checked after DNS resolution and again on every redirect, and
  the connection goes to the address that was checked (no second lookup to rebind). CX_FEED_ALLOW_PRIVATE_URLS
  lifts this for intranet feeds;
* a download has a per-read timeout (CX_FEED_TIMEOUT_SECONDS), a total deadline (CX_FEED_DEADLINE_SECONDS) and
  a size cap (CX_FEED_MAX_BYTES);
* errors say what the admin can act on and nothing more: a refused, unknown or unreachable host all read
  "could not connect", so the feed can't be used to map the internal network.

Paths and URLs from the shell (`import-cx`) and from CX_FEED_URL come from the operator: only the URL rules
apply to them.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import logging
import os
import socket
import ssl
import stat
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

from bot.settings import Settings

logger = logging.getLogger(__name__)

USER_AGENT = "Pulssi CX feed (+https://github.com/pulssi)"
MAX_REDIRECTS = 5
READ_CHUNK = 1 << 20
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """The source could not be read; `code` is a catalog suffix (cxfeed.fetch.<code>).

    `detail` may be shown in Slack, so it never holds server paths, addresses or socket errors."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass
class Fetched:
    path: Path | None  # None when the source has not changed since the last pull
    etag: str | None
    last_modified: str | None
    temporary: bool = False  # a download to remove after the import

    def cleanup(self) -> None:
        if self.temporary and self.path is not None:
            self.path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------------------
# Which sources may be used


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def valid_source(source: str) -> bool:
    """Shape check for what an admin typed: an http(s) URL with a host, or a file path."""
    source = source.strip()
    if not source or len(source) > 2000 or "\x00" in source:
        return False
    if is_url(source):
        host = source.split("://", 1)[1].split("/", 1)[0]
        return bool(host) and not any(ch.isspace() for ch in source)
    return True


def feed_dir(settings: Settings) -> Path:
    return Path(settings.cx_feed_dir).expanduser().resolve()


def confined_path(settings: Settings, source: str) -> Path | None:
    """The fully resolved file a Slack-set path names, or None when it is not inside CX_FEED_DIR.

    `~user` is expanded and symlinks and `..` are resolved before the check, so what is checked is what is
    opened: `~sys/../proc/self/environ` resolves to /proc/…, outside the folder."""
    if "\x00" in source:
        return None
    base = feed_dir(settings)
    try:
        candidate = Path(os.path.expanduser(source.strip()))
        if not candidate.is_absolute():
            candidate = base / candidate
        target = candidate.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a path too long
        return None
    return target if target != base and target.is_relative_to(base) else None


def file_allowed(settings: Settings, source: str) -> bool:
    """Paths set from Slack must stay inside CX_FEED_DIR: a Slack admin is not always the server's admin."""
    return confined_path(settings, source) is not None


def source_problem(settings: Settings, source: str) -> str | None:
    """The catalog key of what is wrong with a source set from Slack, or None when it may be used."""
    if not valid_source(source):
        return "cxfeed.bad_source"
    if not is_url(source) and not file_allowed(settings, source.strip()):
        return "cxfeed.outside_dir"
    return None


def is_public_address(address: str) -> bool:
    """Whether a feed may be downloaded from this IP: not loopback, private, link-local (cloud metadata at
    169.254.169.254), shared (100.64/10), multicast, reserved or unspecified; IPv4-mapped IPv6 counts as IPv4."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    return bool(ip.is_global) and not ip.is_multicast


# ---------------------------------------------------------------------------------------------------------
# Reading


def fetch(
    settings: Settings,
    source: str,
    *,
    confined: bool = False,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """Locate or download the source; `path` None when unchanged (HTTP 304, or same file size and time).

    `confined`: the source was set from Slack, so a file path must resolve inside CX_FEED_DIR.
    Downloads stream to a temporary file under the size cap, so a big feed never sits in memory.
    """
    if is_url(source):
        return _download(settings, source, etag, last_modified)
    return _local_file(settings, source, confined, last_modified)


def _local_file(settings: Settings, source: str, confined: bool, last_modified: str | None) -> Fetched:
    if confined:
        resolved = confined_path(settings, source)
        if resolved is None:
            raise FetchError("outside_dir")
        path = resolved
        # The path was resolved just now; O_NOFOLLOW refuses a symlink swapped in since.
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    else:
        path = Path(source).expanduser()
        flags = os.O_RDONLY | os.O_NONBLOCK  # a FIFO must not hang the open
    try:
        descriptor = os.open(path, flags)
    except OSError:
        raise FetchError("not_found") from None
    try:
        info = os.fstat(descriptor)
    finally:
        os.close(descriptor)
    if not stat.S_ISREG(info.st_mode):  # directories, devices, FIFOs, sockets
        raise FetchError("not_found")
    stamp = f"file:{info.st_mtime_ns}:{info.st_size}"
    if stamp == last_modified:
        return Fetched(None, None, stamp)
    limit = settings.cx_feed_max_bytes
    if info.st_size > limit:
        raise FetchError("too_big", f"{info.st_size} > {limit} bytes")
    return Fetched(path, None, stamp)


class _Unreachable(Exception):
    """Refused, unknown or unreachable: one message for all, so errors don't tell which (see module doc)."""


def _vetted_addresses(settings: Settings, host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise _Unreachable(f"cannot resolve {host}: {error}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise _Unreachable(f"{host} has no address")
    if not settings.cx_feed_allow_private_urls:
        refused = [address for address in addresses if not is_public_address(address)]
        if refused:  # one private address is enough: the connection could land on it
            raise _Unreachable(f"{host} resolves to a non-public address ({refused[0]})")
    return addresses


def _connection(scheme: str, host: str, port: int, addresses: list[str], timeout: float) -> http.client.HTTPConnection:
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)

    def connect_vetted(
        _address: tuple[str, int], timeout: float | None = None, source_address: tuple[str, int] | None = None
    ) -> socket.socket:
        # Connect to the addresses that were checked, never to a fresh lookup of the name (DNS rebinding).
        last: OSError | None = None
        for address in addresses:
            try:
                return socket.create_connection((address, port), timeout, source_address)
            except OSError as error:
                last = error
        raise last or OSError("no address")

    connection._create_connection = connect_vetted  # type: ignore[attr-defined]
    return connection


def _abort(connection: http.client.HTTPConnection) -> None:
    """The total deadline passed: shut the socket so a read blocked on a trickling server returns now."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


def _download(settings: Settings, url: str, etag: str | None, last_modified: str | None) -> Fetched:
    deadline = time.monotonic() + settings.cx_feed_deadline_seconds
    handle, name = tempfile.mkstemp(prefix="pulssi-cx-", suffix=".csv")
    target = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            changed, new_etag, new_modified = _follow(settings, url, etag, last_modified, out, deadline)
    except _Unreachable as error:
        target.unlink(missing_ok=True)
        logger.warning("CX feed %s: %s", url.split("?", 1)[0], error)
        raise FetchError("unreachable") from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if not changed:
        target.unlink(missing_ok=True)
        return Fetched(None, etag, last_modified)
    return Fetched(target, new_etag, new_modified, temporary=True)


def _follow(
    settings: Settings, url: str, etag: str | None, last_modified: str | None, out: BinaryIO, deadline: float
) -> tuple[bool, str | None, str | None]:
    """GET with redirects followed by hand, so every hop's address is checked before connecting.

    Returns (changed, ETag, Last-Modified); the body is written to `out` when changed."""
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise _Unreachable(f"not an http(s) URL: {scheme}:")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise _Unreachable("bad port") from None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("too_slow", f"{settings.cx_feed_deadline_seconds:.0f} s")
        addresses = _vetted_addresses(settings, parts.hostname, port)
        connection = _connection(
            scheme, parts.hostname, port, addresses, min(settings.cx_feed_timeout_seconds, remaining)
        )
        watchdog = threading.Timer(remaining, _abort, (connection,))
        watchdog.daemon = True
        watchdog.start()
        try:
            headers = {
                "User-Agent": USER_AGENT,
                "Accept": "text/csv, */*",
                "Accept-Encoding": "identity",
                "Connection": "close",
            }
            if etag:
                headers["If-None-Match"] = etag
            if last_modified and not last_modified.startswith("file:"):
                headers["If-Modified-Since"] = last_modified
            try:
                connection.connect()
            except OSError as error:
                raise _Unreachable(f"cannot connect to {parts.hostname}: {error}") from None
            try:
                connection.request(
                    "GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), headers=headers
                )
                response = connection.getresponse()
                if response.status in REDIRECT_STATUSES:
                    location = response.getheader("Location")
                    if not location:
                        raise FetchError("http_status", str(response.status))
                    url = urljoin(url, location.strip())
                    continue
                if response.status == 304:
                    return False, etag, last_modified
                if response.status != 200:
                    raise FetchError("http_status", str(response.status))
                _copy(settings, response, out, deadline)
                return True, response.getheader("ETag"), response.getheader("Last-Modified")
            except (OSError, http.client.HTTPException) as error:
                if time.monotonic() >= deadline:
                    raise FetchError("too_slow", f"{settings.cx_feed_deadline_seconds:.0f} s") from None
                if isinstance(error, TimeoutError):
                    raise FetchError("too_slow", f"{settings.cx_feed_timeout_seconds:.0f} s") from None
                raise FetchError("broken") from None
        finally:
            watchdog.cancel()
            connection.close()
    raise FetchError("redirects", str(MAX_REDIRECTS))


def _copy(settings: Settings, response: http.client.HTTPResponse, out: BinaryIO, deadline: float) -> None:
    limit = settings.cx_feed_max_bytes
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        raise FetchError("too_big", f"{length} > {limit} bytes")
    size = 0
    # read1 returns after one read from the socket, so a trickling server meets the deadline check here.
    while chunk := response.read1(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise FetchError("too_big", f"more than {limit} bytes")
        out.write(chunk)
        if time.monotonic() >= deadline:
            raise FetchError("too_slow", f"{settings.cx_feed_deadline_seconds:.0f} s")
    if time.monotonic() >= deadline:  # the watchdog shut the socket: what arrived is incomplete
        raise FetchError("too_slow", f"{settings.cx_feed_deadline_seconds:.0f} s")
    if response.length:  # the server closed before the Content-Length it announced
        raise FetchError("broken")
