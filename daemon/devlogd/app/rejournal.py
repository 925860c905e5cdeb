"""Journals written by an older devlog, re-derived from git: each beat of an older schema is
told again from its commit by today's pipeline, and every other record (notes, answers,
published markers, retellings, records this version does not know, even corrupt lines)
is kept byte for byte. A beat whose commit git no longer has keeps its message and loses
only what was derived. Runs when the daemon first reconciles, and as `devlog rejournal`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import msgspec

from devlogd.app.project import Project
from devlogd.errors import DevlogError
from devlogd.models import SCHEMA_VERSION, Action, Beat
from devlogd.pipeline.beats import make_beat
from devlogd.pipeline.journal import JournalState

log = logging.getLogger(__name__)


class _Head(msgspec.Struct, forbid_unknown_fields=False):
    """The part of any record that says what it is."""

    type: str = ""
    v: int = 1


_head = msgspec.json.Decoder(_Head).decode
_beat = msgspec.json.Decoder(Beat).decode
_encode = msgspec.json.Encoder().encode


@dataclass
class Rejournaled:
    beats: int = 0  # re-derived from git
    kept: int = 0  # other records, kept as they were
    gone: list[str] = field(default_factory=list)  # commits git no longer has: message kept


def stale(state: JournalState) -> bool:
    """Whether any beat was written by an older schema."""
    return any(beat.v < SCHEMA_VERSION for beat in state.beats)


def rejournal(project: Project, everything: bool = False, wait: float | None = None) -> Rejournaled:
    """Re-derive the beats of an older schema (``everything``: every beat) from git."""
    done = Rejournaled()
    reader = project.reader

    def retell(lines: list[bytes]) -> list[bytes] | None:
        out: list[bytes] = []
        for line in lines:
            old = _old_beat(line, everything)
            if old is None:
                done.kept += 1
                out.append(line)
                continue
            try:
                beat = make_beat(reader.facts(old.sha), project.rules, old.branch)
                beat = msgspec.structs.replace(beat, time=old.time)
            except DevlogError:
                done.gone.append(old.sha)
                beat = _message_kept(old)
            done.beats += 1
            out.append(_encode(beat))
        return out if done.beats else None

    project.journal.rewrite(retell, wait)
    if done.beats:
        log.info("re-derived %d beat(s) from git (%d kept as messages only); %d other record(s) kept",
                 done.beats, len(done.gone), done.kept)
    return done


def _old_beat(line: bytes, everything: bool) -> Beat | None:
    try:
        head = _head(line)
        if head.type != "beat" or (head.v >= SCHEMA_VERSION and not everything) or head.v > SCHEMA_VERSION:
            return None
        return _beat(line)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None  # corrupt or foreign: kept as it is


def _message_kept(old: Beat) -> Beat:
    """An old beat whose commit is gone: its own facts stay, nothing of the old English."""
    return msgspec.structs.replace(old, v=SCHEMA_VERSION, action=Action(files=old.stats.files))
