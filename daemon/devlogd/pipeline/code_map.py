"""A ranked map of the code, as Aider's repository map does it.

Each file's definitions and the names it uses come from the code reader. A file that uses
a name another file defines points to that file; PageRank over those edges (a small power
iteration, personalised towards the files a stretch changed most) says which files the
rest of the code leans on, and each file's rank flows along its edges to the definitions
it uses, so the definitions ranked first are the ones the code calls most from the files
that matter most. A budget of output lines keeps the best.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from devlogd.models import CodeFile, Definition

DAMPING = 0.85
SELF_WEIGHT = 0.02  # a file's use of its own helpers: a fiftieth of another file's
ROUNDS = 40
_MIN_NAME = 3  # `i`, `f`, `x`: too short to say which definition is meant


@dataclass(frozen=True)
class RankedFile:
    path: str
    lines: int
    rank: float
    definitions: tuple[Definition, ...]  # in the file's order, the best ranked only


def rank(files: Sequence[CodeFile], focus: Sequence[str] = (), lines: int = 60,
         per_file: int = 40) -> list[RankedFile]:
    """The files with their best definitions, best file first, at most ``lines`` definitions
    in all. ``focus`` (paths) personalises the ranking (the files a stretch changed most)."""
    defined: dict[str, set[str]] = defaultdict(set)  # name -> paths defining it
    for found in files:
        for definition in found.definitions:
            defined[definition.name].add(found.path)
    edges: dict[str, dict[tuple[str, str], float]] = {}  # from path -> (to path, name) -> weight
    for found in files:
        uses = Counter(r for r in found.references if len(r) >= _MIN_NAME and r in defined)
        out: dict[tuple[str, str], float] = defaultdict(float)
        for name, count in uses.items():
            for target in defined[name]:
                # sqrt: a name used fifty times is not fifty times the dependency (Aider's choice)
                out[(target, name)] += math.sqrt(count)
        edges[found.path] = out
    file_rank = _pagerank([f.path for f in files], edges, set(focus))
    scores: dict[tuple[str, str], float] = defaultdict(float)
    for source, out in edges.items():
        total = sum(out.values())
        for (target, name), weight in out.items():
            # a file's use of its own helpers says less about what a reader needs than another's
            own = SELF_WEIGHT if target == source else 1.0
            scores[(target, name)] += file_rank[source] * weight / total * own
    for found in files:  # a definition nobody uses still counts a little, by its file's rank
        for definition in found.definitions:
            scores[(found.path, definition.name)] += file_rank[found.path] * 1e-3
    return _choose(files, file_rank, scores, lines, per_file)


def _pagerank(paths: list[str], edges: dict[str, dict[tuple[str, str], float]], focus: set[str]) -> dict[str, float]:
    if not paths:
        return {}
    # Every file starts with a share (an example's calls are votes too); the focus, more.
    start = {p: 1.0 + (len(paths) if p in focus else 0.0) for p in paths}
    norm = sum(start.values())
    teleport = {p: v / norm for p, v in start.items()}
    links: dict[str, dict[str, float]] = {p: defaultdict(float) for p in paths}
    for source, named in edges.items():
        for (target, _), weight in named.items():
            links[source][target] += weight
    rank_of = dict(teleport)
    for _ in range(ROUNDS):
        nxt = {p: (1 - DAMPING) * teleport[p] for p in paths}
        dangling = sum(rank_of[p] for p in paths if not links[p])
        for p in paths:
            nxt[p] += DAMPING * dangling * teleport[p]
        for source, targets in links.items():
            total = sum(targets.values())
            for target, weight in targets.items():
                nxt[target] += DAMPING * rank_of[source] * weight / total
        rank_of = nxt
    return rank_of


def _choose(files: Sequence[CodeFile], file_rank: dict[str, float], scores: dict[tuple[str, str], float],
            lines: int, per_file: int) -> list[RankedFile]:
    by_path = {f.path: f for f in files}
    wanted: dict[str, set[str]] = defaultdict(set)
    for (path, name), _ in sorted(scores.items(), key=lambda item: (-item[1], item[0])):
        if sum(len(v) for v in wanted.values()) >= lines:
            break
        if len(wanted[path]) < per_file:
            wanted[path].add(name)
    ranked = []
    for path in sorted(wanted, key=lambda p: -file_rank[p]):
        said: set[str] = set()
        kept = []
        for definition in by_path[path].definitions:  # one line per name: the documented one first
            if definition.name in wanted[path] and definition.name not in said:
                twin = next((d for d in by_path[path].definitions if d.name == definition.name and d.doc), definition)
                kept.append(twin)
                said.add(definition.name)
        ranked.append(RankedFile(path, by_path[path].lines, file_rank[path], tuple(kept)))
    return ranked
