"""Which lines of a change a story shows: the most telling hunks, redacted."""

from __future__ import annotations

from devlogd.models import Hunk
from devlogd.pipeline.redact import redact


def best_hunks(scored: list[tuple[int, Hunk]], limit: int) -> list[Hunk]:
    """The most telling hunks, in diff order, redacted."""
    ranked = sorted(enumerate(scored), key=lambda pair: (-pair[1][0], pair[0]))
    chosen = [hunk for _, (_, hunk) in sorted(ranked[:limit], key=lambda pair: pair[0])]
    if not chosen:
        return []
    # One redaction pass over all kept lines; a line never spans two hunks.
    lines = redact("\n".join(line for hunk in chosen for line in hunk.lines)).split("\n")
    out: list[Hunk] = []
    for hunk in chosen:
        count = len(hunk.lines)
        out.append(Hunk(path=hunk.path, header=hunk.header, lines=lines[:count]))
        lines = lines[count:]
    return out
