"""The posts whose tone a model follows (`--style`, the editor's `devlog.styleFiles`): read
only when they are what the user chose — a post of theirs.

The request that names them can come from an editor whose settings a workspace might have
written, so the daemon checks every path itself. A style post is an absolute path (the
terminal makes it so) to a regular file (a FIFO or a device such as /dev/zero is refused
without being opened for reading), whose name and whose real target both end like a post
(`.md`, `.markdown`, `.mdx`, `.txt`, `.rst`, `.html`, `.adoc`, `.org`), owned by the user,
UTF-8, and at most STYLE_BYTES long. `/etc/shadow`, `~/.ssh/id_ed25519` or a link to them
is never read into a request.
"""

from __future__ import annotations

import os
from pathlib import Path

from devlogd.config import read_config_bytes
from devlogd.errors import ConfigError, UsageError

STYLE_BYTES = 256 * 1024
STYLE_SUFFIXES = frozenset({".md", ".markdown", ".mdx", ".txt", ".rst", ".html", ".htm", ".adoc", ".org"})


def read_style(raw: str) -> str:
    """The text of one style post, or a UsageError in one sentence saying why not."""
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise UsageError(f"the style post {raw} must be given as an absolute path")
    real = Path(os.path.realpath(path))
    if path.suffix.lower() not in STYLE_SUFFIXES or real.suffix.lower() not in STYLE_SUFFIXES:
        raise UsageError(f"{raw} is not a post (.md, .txt, .rst, .html...); devlog reads only your posts as style "
                         "examples")
    try:
        data = read_config_bytes(path, limit=STYLE_BYTES)
    except ConfigError as err:
        raise UsageError(f"the style post {err}") from None
    if data is None:
        raise UsageError(f"cannot read the style post {raw}: no such file")
    try:
        owner = path.stat().st_uid
    except OSError as err:
        raise UsageError(f"cannot read the style post {raw}: {err.strerror}") from None
    if owner != os.getuid():
        raise UsageError(f"the style post {raw} belongs to another user; devlog reads only your own posts")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"the style post {raw} is not UTF-8 text") from None
