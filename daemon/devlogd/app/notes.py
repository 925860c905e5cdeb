"""`devlog note`: the author's own words, journaled beside the work they are about.

A note is keyed by its time, not by a commit, so no amend or rebase can lose it; it is
redacted like everything else before it is stored.
"""

from __future__ import annotations

import time

from devlogd.app.project import Project
from devlogd.errors import UsageError
from devlogd.models import Note
from devlogd.pipeline.redact import redact
from devlogd.protocol import NoteParams, NoteReply

MAX_NOTE = 4000


def add_note(project: Project, params: NoteParams) -> NoteReply:
    text = " ".join(params.text.split())
    if not text:
        raise UsageError("a note needs some text: devlog note \"what happened\"")
    if len(text) > MAX_NOTE:
        raise UsageError(f"a note holds at most {MAX_NOTE} characters (this one has {len(text)})")
    note = Note(time=params.time if params.time is not None else int(time.time()), text=redact(text))
    project.paths.ensure_state_dir()
    with project.journal.writer() as writer:
        writer.add_note(note)
    return NoteReply(time=note.time, text=note.text)
