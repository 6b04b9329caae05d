"""The text encoding of a CX export: byte order marks, UTF-16 without one (its NUL bytes), UTF-8, else
Windows-1252 (what Excel on Windows writes). One rule for a file read in a stream and for bytes in memory.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable


def detect_encoding(head: bytes) -> str:
    """The encoding of a file from its first bytes (or all of them): a BOM (UTF-8, UTF-32, UTF-16), UTF-16
    without a BOM, UTF-8, else cp1252. A character cut at the end of `head` doesn't make it cp1252."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    guess = _utf16_without_bom(head)
    if guess:
        return guess
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "cp1252"
    return "utf-8"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text of mostly ASCII has a NUL in every other byte; which half says the byte order."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0 : pairs * 2 : 2].count(0)
    odd = sample[1 : pairs * 2 : 2].count(0)
    if odd >= pairs * 0.3 and even <= pairs * 0.05:
        return "utf-16-le"
    if even >= pairs * 0.3 and odd <= pairs * 0.05:
        return "utf-16-be"
    return None


def is_utf8(chunks: Iterable[bytes]) -> bool:
    """Whether the chunks of a whole file decode as UTF-8 (one streaming pass in C, no text kept)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in chunks:
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def decode_bytes(data: bytes) -> str:
    """Bytes of a CSV export to text, without a byte order mark. Never raises.

    UTF-8 with or without BOM; UTF-16 LE/BE with BOM (Excel "Unicode text") or without one, recognised
    by its NUL bytes; UTF-32 with BOM; anything that is not valid UTF-8 is read as Windows-1252.
    """
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding, errors="strict" if encoding == "utf-8" else "replace")
    except UnicodeDecodeError:  # invalid UTF-8 in the last few bytes
        text = data.decode("cp1252", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text
