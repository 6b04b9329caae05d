"""Sealed records: a few fields encrypted and authenticated (AES-256-GCM) under a key derived from
PULSSI_SECRET_KEY (`anonymity.sealing_key`), for what must be kept for a while without a copy of the
database saying whom it is about, e.g. who gets a check-in two working days after "just note it".

A sealed value is bound to its purpose (the associated data), so one kind can't be replayed as another;
anything altered, or sealed under another secret, opens as None.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


def seal(key: bytes, purpose: str, fields: dict[str, Any]) -> str:
    """The fields as URL-safe text: a random nonce, then the ciphertext with its tag."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
    sealed = AESGCM(key).encrypt(nonce, plain, purpose.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(key: bytes, purpose: str, text: str) -> dict[str, Any] | None:
    """The fields sealed for `purpose`, or None for anything that isn't one (altered, another key or purpose)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) <= NONCE_BYTES:
        return None
    try:
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode())
    except InvalidTag:
        return None
    fields = json.loads(plain)
    return fields if isinstance(fields, dict) else None
