"""Every key Pulssi derives from its server secret (PULSSI_SECRET_KEY), one derivation with a label per purpose.

HMAC-SHA256(secret, label): keys for different purposes (a round's respondent tokens, a person's statement
offset, the installation tokens' encryption) are independent, and none of them is ever stored.
"""

from __future__ import annotations

import hashlib
import hmac

MIN_SECRET_KEY_LENGTH = 32

# The label of the key that encrypts OAuth installation tokens at rest (bot.services.installations).
INSTALLATION_TOKENS_LABEL = "pulssi-installation-tokens:v1"


def derive_key(secret: str, label: str) -> bytes:
    """The 32-byte key for `label`; raises ValueError for a missing or short secret."""
    if len(secret) < MIN_SECRET_KEY_LENGTH:
        raise ValueError("the server secret is missing or too short")
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).digest()
