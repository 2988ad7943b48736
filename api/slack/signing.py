"""Slack's request signing (v0): `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256, keyed
with the app's signing secret, of `v0:{X-Slack-Request-Timestamp}:{raw body}`.

A request is accepted only with a matching signature (compared in constant time) and a
timestamp within `MAX_AGE` of now, either way: a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

#: How far a request's timestamp may be from now, in seconds (Slack's advice: five minutes).
MAX_AGE = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify(
    secret: str, timestamp: str | None, signed: str | None, body: bytes, now: datetime
) -> bool:
    """Whether `body` was signed by `secret` at `timestamp`, no more than `MAX_AGE` ago."""
    if not timestamp or not signed or not timestamp.isdigit():
        return False
    if abs(now.timestamp() - int(timestamp)) > MAX_AGE:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), signed)
