"""Noise classes: files no story is told from (lockfiles, vendored and generated code,
build outputs, binary and media assets, editor and engine metadata, licence texts, ignore
files). Data, not code: the built-in table is `data/noise.toml`, and a user or repository
adds classes in `[noise]` of their config. A noise file never supplies an excerpt, a
headline, a name, an area or a tag; beats count such files apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import msgspec

from devlogd.config import NoiseClass
from devlogd.pipeline.ignore import PathFilter


@dataclass(frozen=True)
class _Compiled:
    name: str
    label: str
    paths: PathFilter


@lru_cache(maxsize=1)
def builtin_classes() -> tuple[NoiseClass, ...]:
    data = resources.files("devlogd").joinpath("data/noise.toml").read_bytes()
    return tuple(msgspec.toml.decode(data, type=_Table).classes)


class _Table(msgspec.Struct):
    classes: list[NoiseClass]


class NoiseFilter:
    """Which noise class a path belongs to; '' for a file that can tell a story."""

    def __init__(self, extra: Sequence[NoiseClass] = ()) -> None:
        self._classes = [_Compiled(c.name, c.label or c.name, PathFilter(c.paths))
                         for c in (*extra, *builtin_classes())]
        self.labels = {c.name: c.label for c in reversed(self._classes)}
        self._seen: dict[str, str] = {}

    def classify(self, path: str, binary: bool = False) -> str:
        found = self._seen.get(path)
        if found is None:
            found = next((c.name for c in self._classes if c.paths.ignored(path)), "")
            if len(self._seen) > 100_000:
                self._seen.clear()
            self._seen[path] = found
        return found or ("asset" if binary else "")

    def label(self, name: str) -> str:
        return self.labels.get(name, name)


@lru_cache(maxsize=8)
def noise_filter(extra: tuple[NoiseClass, ...] = ()) -> NoiseFilter:
    return NoiseFilter(extra)
