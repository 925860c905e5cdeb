"""Text that git stores as bytes in a declared (or wrongly declared) encoding."""

from __future__ import annotations

import codecs


def python_codec(name: str | None) -> str:
    if not name:
        return "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def decode(raw: bytes | str | None, encoding: str) -> str:
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        # Many repositories claim UTF-8 and contain Latin-1; neither ever crashes us.
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode(encoding, "replace")
