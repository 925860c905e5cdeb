"""The journal: append-only JSON Lines, one writer at a time, nothing ever lost.

* Appends go through one ``O_APPEND`` descriptor under ``flock`` and are fsync'd per batch.
* A torn last line (a crash mid-write) is repaired when a writer opens the journal; its
  bytes are kept in ``journal.torn`` rather than thrown away.
* A corrupt line elsewhere is skipped when reading, reported, and left in place.
* A sha already journaled is never appended twice.
* Rewrite records (amend, rebase) say which commit became which; they never hide a beat
  (what is reachable decides what is told, see :func:`_apply_all`).
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

import msgspec

from devlogd.errors import JournalError
from devlogd.models import SCHEMA_VERSION, Beat, Enriched, Note, Published, Record, Rewrite
from devlogd.statefiles import check_private_dir, exclusive_lock, open_state_file

log = logging.getLogger(__name__)

_decode_lines = msgspec.json.Decoder(Record).decode_lines
_decode_one = msgspec.json.Decoder(Record).decode
_encode = msgspec.json.Encoder().encode
_SHA, _VERSION = attrgetter("sha"), attrgetter("v")


@dataclass
class JournalState:
    """Everything the journal says, with rewrites applied."""

    beats: list[Beat] = field(default_factory=list)
    own: set[str] = field(default_factory=set)  # shas journaled under their own name
    rewrites: dict[str, str] = field(default_factory=dict)  # old sha -> newest sha
    published: Published | None = None
    notes: list[Note] = field(default_factory=list)  # the author's words, in time order
    corrupt_lines: list[int] = field(default_factory=list)
    torn_tail: bool = False
    size: int = 0
    records: list[Record] = field(default_factory=list)  # as read, for incremental refresh
    lines: int = 0

    @property
    def shas(self) -> set[str]:
        return {beat.sha for beat in self.beats}



def read_records(data: bytes) -> tuple[list[Record], list[int], bool]:
    """Decode journal bytes into records, the numbers of corrupt lines, and whether the
    last line is torn (no trailing newline and not valid JSON)."""
    if not data:
        return [], [], False
    torn = False
    body = data
    if not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        tail = data[cut:]
        try:
            _decode_one(tail)
        except msgspec.DecodeError:
            torn = True
            body = data[:cut]
    try:
        # One C call for the whole file is ~5x faster than a decode per line; a corrupt line
        # makes it fail, and the careful path below finds it.
        return _decode_lines(body), [], torn
    except msgspec.DecodeError:
        pass
    lines = body.split(b"\n")
    records, corrupt = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(_decode_one(line))
        except msgspec.DecodeError:
            corrupt.append(number)
    return records, corrupt, torn


def apply_records(records: list[Record]) -> JournalState:
    return _only_beats(records) or _apply_all(records)


def _only_beats(records: list[Record]) -> JournalState | None:
    """The common journal, only beats of distinct commits, without a loop in Python."""
    if not records or set(map(type, records)) != {Beat}:
        return None
    beats: list[Beat] = records  # type: ignore[assignment]
    own = set(map(_SHA, beats))
    if len(own) != len(beats) or max(map(_VERSION, beats)) > SCHEMA_VERSION:
        return None
    return JournalState(beats=list(beats), own=own)


def _apply_all(records: Iterable[Record]) -> JournalState:
    """Every beat, once (the first record of a sha wins), with its retelling applied.

    A rewrite record (amend, rebase) never removes, hides or re-keys a beat: which beats
    tell the story is decided by what is reachable from the branches, and git's map of
    old to new commits can say otherwise. A rebase that replays a commit unchanged maps
    it to itself; a commit rewritten on one branch can still be on another. The map only
    lets a retelling and the published marker follow a commit to its newest form.
    """
    state = JournalState()
    by_sha: dict[str, int] = {}
    beats: list[Beat] = []
    enrichments: dict[str, Enriched] = {}
    for record in records:
        if record.v > SCHEMA_VERSION:
            continue  # written by a newer devlog; leave it for that version
        if isinstance(record, Beat):
            if record.sha in by_sha:
                continue
            by_sha[record.sha] = len(beats)
            beats.append(record)
        elif isinstance(record, Rewrite):
            for old, new in record.pairs:
                if old != new:
                    state.rewrites[old] = new
        elif isinstance(record, Published):
            state.published = record
        elif isinstance(record, Enriched):
            enrichments[record.sha] = record
        elif isinstance(record, Note):
            _fold_note(state.notes, record)
    # Follow chains (amended twice: a -> b -> c) so every old sha points at the newest.
    for old in list(state.rewrites):
        state.rewrites[old] = _final(state.rewrites, old)
    for old, new in state.rewrites.items():  # an amended commit keeps its retelling
        if old in enrichments and new not in enrichments:
            enrichments[new] = enrichments[old]
    for sha, told in enrichments.items():
        index = by_sha.get(sha)
        if index is not None:
            beats[index] = _enriched(beats[index], told)
    state.own = set(by_sha)
    state.beats = beats
    return state


def _fold_note(notes: list[Note], note: Note) -> None:
    """A note with the id of an earlier one edits it (in place) or, marked removed, takes
    it back; the journal keeps every record, the state only the latest word."""
    key = note.note_id()
    for index, earlier in enumerate(notes):
        if earlier.note_id() == key:
            if note.removed:
                del notes[index]
            else:
                notes[index] = note
            return
    if not note.removed:
        notes.append(note)


def _appended(base: JournalState, new: list[Record]) -> JournalState | None:
    """``base`` followed by ``new`` when ``new`` holds only beats of commits it has never
    seen (what the daemon appends after a commit); None when the records must be applied
    from the start (a rewrite, a retelling, a duplicate)."""
    told = set(base.own)
    added: list[Beat] = []
    for record in new:
        if not isinstance(record, Beat) or record.v > SCHEMA_VERSION:
            return None
        sha = record.sha
        if sha in told:
            return None
        told.add(sha)
        added.append(record)
    return JournalState(beats=base.beats + added, own=base.own | set(map(_SHA, added)),
                        rewrites=base.rewrites, published=base.published, notes=base.notes)


def _enriched(beat: Beat, told: Enriched) -> Beat:
    return msgspec.structs.replace(beat, retold=told.headline, origin=told.origin)


def _final(rewrites: dict[str, str], sha: str) -> str:
    seen = {sha}
    while sha in rewrites and rewrites[sha] not in seen:
        sha = rewrites[sha]
        seen.add(sha)
    return sha


class Journal:
    def __init__(self, path: Path, lock_path: Path | None = None) -> None:
        self.path = path
        self.lock_path = lock_path or path.with_suffix(".lock")

    def load(self) -> JournalState:
        return self.refresh(None)

    def refresh(self, previous: JournalState | None) -> JournalState:
        """The journal as it is now; with ``previous``, only bytes appended since are decoded
        (the daemon refreshes after every commit, and a journal can hold 100,000 beats)."""
        start = 0
        if previous is not None and not previous.torn_tail and previous.size:
            try:
                if self.path.stat().st_size >= previous.size:
                    start = previous.size
            except FileNotFoundError:
                return JournalState()
        try:
            with os.fdopen(open_state_file(self.path, os.O_RDONLY), "rb") as handle:
                handle.seek(start)
                data = handle.read()
        except FileNotFoundError:
            return JournalState()
        except OSError as err:
            raise JournalError(f"cannot read the journal {self.path}: {err.strerror}") from err
        # Decoding allocates ~10 objects per beat; collector passes in the middle of that
        # find nothing to free and used to cost half the load time.
        collecting = gc.isenabled()
        gc.disable()
        try:
            new, corrupt, torn = read_records(data)
            base = previous if start and previous is not None else None
            records = (base.records + new) if base is not None else new
            state = (_appended(base, new) if base is not None else None) or apply_records(records)
        finally:
            if collecting:
                gc.enable()
        offset_lines = base.lines if base is not None else 0
        state.records = records
        state.corrupt_lines = (base.corrupt_lines if base is not None else []) + [n + offset_lines for n in corrupt]
        state.torn_tail = torn
        state.size = start + len(data)
        state.lines = offset_lines + data.count(b"\n")
        if torn:
            state.size = start + data.rfind(b"\n") + 1  # re-read the torn tail next time
        if corrupt:
            log.warning("%s: skipped %d corrupt line(s): %s", self.path, len(corrupt),
                        ", ".join(map(str, corrupt[:10])))
        return state

    @contextmanager
    def writer(self, wait: float | None = None, since: JournalState | None = None,
               make_folder: bool = True) -> Iterator[JournalWriter]:
        """Hold the journal for appending. ``wait``: seconds to wait for another devlog
        process to finish with it (None: as long as it lives). ``since``, a state read
        earlier, saves reading again what it already holds. ``make_folder``: False for the
        daemon, whose state folder gone means its repository is being deleted."""
        try:  # its own folder only: never the folders above (a deleted repository's .git)
            if make_folder:
                self.path.parent.mkdir(mode=0o700, exist_ok=True)
            check_private_dir(self.path.parent)
        except FileNotFoundError as err:
            raise JournalError(f"the folder of the journal {self.path} is gone") from err
        with exclusive_lock(self.lock_path, "the journal", wait):
            self._repair_tail()
            writer = JournalWriter(self.path, self.refresh(since))
            try:
                yield writer
            finally:
                writer.close()

    def rewrite(self, change: Callable[[list[bytes]], list[bytes] | None], wait: float | None = None) -> bool:
        """Replace the journal's lines by ``change(lines)`` (None: leave it as it is), under
        the lock, atomically: a crash leaves the old journal or the new one, never half of
        each. The old one is kept beside it (``journal.before``). Only an upgrade of the
        schema does this; the journal is otherwise append-only."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with exclusive_lock(self.lock_path, "the journal", wait):
            self._repair_tail()
            try:
                with os.fdopen(open_state_file(self.path, os.O_RDONLY), "rb") as handle:
                    data = handle.read()
            except FileNotFoundError:
                return False
            lines = [line for line in data.split(b"\n") if line.strip()]
            changed = change(lines)
            if changed is None:
                return False
            staged = self.path.with_suffix(".rewriting")
            fd = open_state_file(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            try:
                view = memoryview(b"".join(line + b"\n" for line in changed))
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            before = self.path.with_suffix(".before")
            before.unlink(missing_ok=True)
            os.link(self.path, before)  # readers never find the journal missing
            os.replace(staged, self.path)
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
            return True

    def _repair_tail(self) -> None:
        try:
            with os.fdopen(open_state_file(self.path, os.O_RDWR), "rb+") as handle:
                size = handle.seek(0, os.SEEK_END)
                if size == 0:
                    return
                handle.seek(max(0, size - 1))
                if handle.read(1) == b"\n":
                    return
                handle.seek(0)
                data = handle.read()
                cut = data.rfind(b"\n") + 1
                tail = data[cut:]
                try:
                    _decode_one(tail)
                    handle.seek(0, os.SEEK_END)
                    handle.write(b"\n")  # a complete record that only lacked its newline
                except msgspec.DecodeError:
                    _keep_torn(self.path, tail)
                    handle.truncate(cut)
                    log.warning("%s: repaired a torn last line (%d bytes kept in %s)",
                                self.path, len(tail), self.path.with_suffix(".torn"))
                handle.flush()
                os.fsync(handle.fileno())
        except FileNotFoundError:
            return


def _keep_torn(path: Path, tail: bytes) -> None:
    with os.fdopen(open_state_file(path.with_suffix(".torn"), os.O_WRONLY | os.O_APPEND | os.O_CREAT), "ab") as torn:
        torn.write(tail + b"\n")


class JournalWriter:
    """Appends records; holds the journal lock for its whole life."""

    def __init__(self, path: Path, state: JournalState) -> None:
        self.path = path
        self.state = state
        self.known: set[str] = set(state.own)
        self._pending: list[bytes] = []
        self._fd = open_state_file(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def has(self, sha: str) -> bool:
        return sha in self.known

    def add(self, beat: Beat) -> bool:
        """Queue a beat; False when its sha is already journaled."""
        if beat.sha in self.known:
            return False
        self.known.add(beat.sha)
        self._pending.append(_encode(beat))
        return True

    def add_rewrite(self, pairs: list[tuple[str, str]]) -> None:
        if pairs:
            self._pending.append(_encode(Rewrite(time=int(time.time()), pairs=pairs)))

    def add_enrichment(self, record: Enriched) -> None:
        self._pending.append(_encode(record))

    def add_note(self, note: Note) -> None:
        self._pending.append(_encode(note))

    def add_published(self, until: str) -> None:
        self._pending.append(_encode(Published(time=int(time.time()), until=until)))

    def flush(self) -> int:
        """Write and fsync what is queued; returns how many records were written."""
        if not self._pending:
            return 0
        data = b"\n".join(self._pending) + b"\n"
        count = len(self._pending)
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fsync(self._fd)
        except OSError as err:
            raise JournalError(f"cannot write the journal {self.path}: {err.strerror}") from err
        self._pending.clear()
        return count

    def close(self) -> None:
        try:
            self.flush()
        finally:
            os.close(self._fd)
