"""Deep-link payloads of `/start <payload>`: what we accept as a first-touch source."""

from __future__ import annotations

import re

# Telegram allows A-Z, a-z, 0-9, _ and - in start parameters, up to 64 characters.
PAYLOAD_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def parse_start_payload(args: str | None) -> str | None:
    """The payload if it is one Telegram could have produced, else None (ignored safely)."""
    if not args:
        return None
    candidate = args.strip()
    return candidate if PAYLOAD_RE.fullmatch(candidate) else None
