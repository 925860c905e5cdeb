"""The author's own words, journaled beside the work they are about: `devlog note`, the
answers to devlog's questions (`devlog answer`), and `devlog notes` to list, edit or take
one back.

A note is keyed by its time (an answer by the time of the work it concerns), not by a
commit, so no amend or rebase can lose it; it is redacted like everything else before it
is stored. The journal is append-only: an edit or a removal is a later record with the
same id, and the journal's state keeps the latest word.
"""

from __future__ import annotations

import hashlib
import time

from devlogd.app.project import Project
from devlogd.errors import UsageError
from devlogd.models import Note, Question
from devlogd.pipeline.redact import redact
from devlogd.protocol import NoteInfo, NoteParams, NoteReply, NotesQuery, NotesReply

MAX_NOTE = 4000


def add_note(project: Project, params: NoteParams) -> NoteReply:
    text = _checked(params.text)
    when = params.time if params.time is not None else int(time.time())
    note = Note(time=when, text=redact(text), id=_new_id(when, text))
    _append(project, note)
    return NoteReply(time=note.time, text=note.text)


def answer(project: Project, question: Question, text: str) -> NoteReply:
    """The author's answer to ``question``: a note of its kind, beside the work it asked about."""
    note = Note(time=question.time or int(time.time()), text=redact(_checked(text, "an answer")),
                question=question.id, kind=question.kind, about=list(question.about), id=question.id)
    _append(project, note)
    return NoteReply(time=note.time, text=note.text)


def notes(project: Project, query: NotesQuery) -> NotesReply:
    """Every note (answers included), oldest first; with an id, that one edited or removed first."""
    state = project.journal.load()
    if query.id is not None:
        found = next((n for n in state.notes if n.note_id() == query.id), None)
        if found is None:
            known = ", ".join(n.note_id() for n in state.notes[-5:]) or "none yet"
            raise UsageError(f"no note has the id {query.id!r} (`devlog notes` lists them; the latest: {known})")
        if query.remove:
            _append(project, Note(time=found.time, text="", id=found.note_id(), removed=True))
        elif query.text is not None:
            text = redact(_checked(query.text))
            _append(project, Note(time=found.time, text=text, question=found.question, kind=found.kind,
                                  about=found.about, id=found.note_id()))
        else:
            raise UsageError("say what to do with the note: new text, or remove")
        state = project.journal.load()
    return NotesReply([NoteInfo(id=n.note_id(), time=n.time, text=n.text, kind=n.kind, question=n.question)
                       for n in sorted(state.notes, key=lambda n: n.time)])


def _checked(text: str, what: str = "a note") -> str:
    text = " ".join(text.split())
    if not text:
        raise UsageError(f"{what} needs some text: devlog note \"what happened\"")
    if len(text) > MAX_NOTE:
        raise UsageError(f"{what} holds at most {MAX_NOTE} characters (this one has {len(text)})")
    return text


def _new_id(when: int, text: str) -> str:
    return "n" + hashlib.sha1(f"{when}|{text}|{time.time_ns()}".encode()).hexdigest()[:8]


def _append(project: Project, note: Note) -> None:
    project.paths.ensure_state_dir()
    with project.journal.writer() as writer:
        writer.add_note(note)
