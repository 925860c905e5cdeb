"""Which lines of a change a story shows: the most telling hunks, redacted."""

from __future__ import annotations

from devlogd.models import Hunk
from devlogd.pipeline.redact import redact_files

LINE_WIDTH = 161  # characters of a diff line an excerpt shows


def best_hunks(scored: list[tuple[int, Hunk]], limit: int) -> list[Hunk]:
    """The most telling hunks, in diff order, redacted."""
    ranked = sorted(enumerate(scored), key=lambda pair: (-pair[1][0], pair[0]))
    chosen = [hunk for _, (_, hunk) in sorted(ranked[:limit], key=lambda pair: pair[0])]
    if not chosen:
        return []
    # The kept lines are redacted whole, knowing their file's syntax; only then are they cut
    # to the width an excerpt shows.
    by_path: dict[str, list[str]] = {}
    for hunk in chosen:
        by_path.setdefault(hunk.path, []).extend(hunk.lines)
    redacted = {path: iter(lines) for path, lines in redact_files(by_path, LINE_WIDTH).items()}
    return [Hunk(path=hunk.path, header=hunk.header, lines=[next(redacted[hunk.path]) for _ in hunk.lines])
            for hunk in chosen]
