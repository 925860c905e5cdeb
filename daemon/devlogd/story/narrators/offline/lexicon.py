"""The phrase bank and the memory that keeps it from repeating itself.

Frames are data (`data/phrases.toml`), overridable per user or repository with a
`[phrases]` table. The chooser is deterministic — the same material always picks the same
frames — and remembers what it used: it takes the least used frame of a list, so no frame
repeats while another of the list is still fresh.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

import msgspec

Frames = dict[str, list[str]]


@lru_cache(maxsize=1)
def builtin_frames() -> Frames:
    data = resources.files("devlogd").joinpath("data/phrases.toml").read_bytes()
    return msgspec.toml.decode(data, type=Frames)


def frames_with(overrides: Mapping[str, list[str]] | None = None) -> Frames:
    frames = dict(builtin_frames())
    for key, values in (overrides or {}).items():
        if values:
            frames[key] = list(values)
    return frames


_FIELD = re.compile(r"\{(\w+)\}")


class Chooser:
    """Picks frames for one post: least used first, ties broken by a hash of the post's
    seed and the slot, so different posts start from different frames."""

    def __init__(self, frames: Frames, seed: str, voice: str = "I") -> None:
        self.frames = frames
        self.seed = seed
        self.used: Counter[str] = Counter()
        plural = voice != "I"
        self.person = {"I": "we" if plural else "I", "my": "our" if plural else "my",
                       "me": "us" if plural else "me"}

    def say(self, key: str, **slots: str) -> str:
        options = self.frames.get(key) or builtin_frames().get(key) or ["{text}"]
        usable = [f for f in options if set(_FIELD.findall(f)) <= self._known(slots)] or options
        offset = int(hashlib.sha256(f"{self.seed}/{key}".encode()).hexdigest()[:8], 16)
        ranked = sorted(range(len(usable)), key=lambda i: (self.used[usable[i]], (i - offset) % len(usable)))
        frame = usable[ranked[0]]
        self.used[frame] += 1
        return self.fill(frame, slots)

    def _known(self, slots: Mapping[str, str]) -> set[str]:
        names = {"I", "My", "my", "me", "Me"}
        for name in slots:
            names |= {name, name[:1].upper() + name[1:]}
        return names

    def fill(self, frame: str, slots: Mapping[str, str]) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in self.person:
                return self.person[name]
            if name == "My":
                return self.person["my"].capitalize()
            if name in slots:
                return slots[name]
            lower = name[:1].lower() + name[1:]
            if lower in slots:
                return _capitalize(slots[lower])
            return match.group(0)

        return _capitalize(_FIELD.sub(value, frame))


def _capitalize(text: str) -> str:
    if not text or text.startswith("`"):
        return text
    return text[0].upper() + text[1:]


def frame_words(frame: str) -> str:
    """A frame's fixed words, for counting how often a post uses it."""
    return " ".join(w for w in _FIELD.sub(" ", frame).split() if w.strip(string.punctuation))
