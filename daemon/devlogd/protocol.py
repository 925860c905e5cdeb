"""What crosses the daemon's socket: every request and reply as a typed Struct, the LSP
method names, and the one Content-Length framing everyone uses.

The daemon (server/lsp), the terminal's client (cli/client) and the editor's contract
tests all speak through this module, so a reply is typed from the moment it is built to
the moment it is shown, and a malformed one is refused with one sentence.
Standard library and msgspec only: the terminal imports it on every command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeVar

import msgspec

from devlogd.counts import Counts
from devlogd.errors import DaemonError, DevlogError
from devlogd.models import Question

if TYPE_CHECKING:
    import asyncio

# -- method names ------------------------------------------------------------------------

CMD_STATUS = "devlog.status"  # workspace/executeCommand, optional StatusQuery -> StatusReply
CMD_GENERATE_DRAFT = "devlog.generateDraft"  # one DraftOptions argument -> DraftResult
BEATS = "devlog/beats"  # BeatsQuery -> list[Beat]
JOURNAL = "devlog/journal"  # JournalQuery -> JournalView
SET_CREDENTIALS = "devlog/setCredentials"  # CredentialsParams -> Ok
LOCAL_MODELS = "devlog/localModels"  # no params -> LocalModelsReply
ADD_NOTE = "devlog/addNote"  # NoteParams -> NoteReply
QUESTIONS = "devlog/questions"  # QuestionsQuery -> QuestionsReply
ANSWER = "devlog/answer"  # AnswerParams -> NoteReply
NOTES = "devlog/notes"  # NotesQuery (list, or edit/remove one) -> NotesReply
BEAT_ADDED = "devlog/beatAdded"  # notification: one Beat
DRAFT_TEXT = "devlog/draftText"  # notification: DraftText, the post as it streams
DRAFT_PHASE = "devlog/draftPhase"  # notification: DraftPhase, for clients that draw their own bar

# The phases of a draft, in order, with what each counts (a phase without a unit has no total).
PHASE_UNITS = {"reading history": "", "journaling": "commits", "planning": "beats",
               "writing": "chapters", "enriching": "beats"}


class ProtocolError(DaemonError):
    """A message on the socket that is not what the protocol says."""


class RequestFailed(DevlogError):
    """The daemon did the work and it failed as it would have in this process (a bad range,
    a broken config file, a narrator that was asked for and failed): said once, with the
    same exit code, and never tried again in-process."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def failure_data(err: DevlogError) -> dict[str, Any]:
    """What an error reply carries besides its sentence: the exit code the terminal uses."""
    return {"exitCode": err.exit_code}


def failure_from_reply(error: Any) -> DevlogError:
    """The exception for a JSON-RPC error reply: :class:`RequestFailed` when the daemon says
    the request itself failed, a :class:`DaemonError` (try in-process) otherwise."""
    message = error.get("message") if isinstance(error, dict) else None
    text = str(message or "the daemon reported an error")
    data = error.get("data") if isinstance(error, dict) else None
    code = data.get("exitCode") if isinstance(data, dict) else None
    if isinstance(code, int) and not isinstance(code, bool) and code > 0:
        return RequestFailed(text, code)
    return DaemonError(text)


# -- requests ------------------------------------------------------------------------------

class Range(msgspec.Struct, forbid_unknown_fields=False, omit_defaults=True):
    since: str | None = None
    until: str | None = None


class BeatsQuery(Range, omit_defaults=True):
    limit: int | None = None


class JournalQuery(Range, omit_defaults=True):
    pass


NarratorName = Literal["auto", "offline", "claude", "local"]


class DraftOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, rename="camel"):
    """What a draft request may say (CLI flags, the LSP command's argument)."""

    since: str | None = None
    until: str | None = None
    narrator: NarratorName = "auto"
    style: list[str] = msgspec.field(default_factory=list)
    dry_run: bool = False
    model: str | None = None  # the Claude model; default: [narrator] model in the user's config
    # The local server's model; default: [narrator] local_model, else the server's most recent.
    local_model: str | None = None
    authors: list[str] = msgspec.field(default_factory=list)  # whose work; empty: the default
    all_authors: bool = False
    # When Claude or the local model fails: "offline" writes the offline post instead (editors
    # ask for it), "none" fails the draft. Default: "offline" for auto, "none" when one was
    # asked for by name.
    fallback: Literal["offline", "none"] | None = None
    # The post's shape for a model narrator's plan ("journey", "design essay", "launch
    # announcement", "how it works"); default: the planner chooses it from the material.
    shape: str | None = None


class StatusQuery(msgspec.Struct, rename="camel", omit_defaults=True):
    """Whose narrator the status names: a draft asked for with these options (an editor's
    settings); none: the configured choice."""

    narrator: NarratorName = "auto"
    local_model: str | None = None
    fresh: bool = False  # reconcile with the branches first (`devlog status --fresh`)


class CredentialsParams(msgspec.Struct, rename="camel", omit_defaults=True):
    api_key: str | None = None
    base_url: str | None = None
    # Where the client's environment says the local model server is (DEVLOG_LOCAL_URL,
    # OLLAMA_HOST): the daemon may have started before they were set.
    local_url: str | None = None
    ollama_host: str | None = None


class NoteParams(msgspec.Struct, omit_defaults=True):
    """The author's own words for the story: a motive, a result, a number git cannot hold."""

    text: str
    time: int | None = None  # seconds since the epoch; default: now


class QuestionsQuery(msgspec.Struct, forbid_unknown_fields=False, omit_defaults=True):
    """The questions for the range a draft with these options would tell."""

    since: str | None = None
    until: str | None = None
    authors: list[str] = msgspec.field(default_factory=list)
    all_authors: bool = msgspec.field(default=False, name="allAuthors")
    dry_run: bool = msgspec.field(default=False, name="dryRun")  # show the model's request, send nothing
    rules: bool = False  # chosen by rules even when a model narrator is configured


class AnswerParams(msgspec.Struct, omit_defaults=True):
    """The author's answer to one of devlog's questions (its id from QuestionsReply)."""

    id: str
    text: str
    since: str | None = None  # the range the question was asked for (default: a draft's)
    until: str | None = None


class NotesQuery(msgspec.Struct, omit_defaults=True):
    """No id: list the notes. An id with text: edit that note; with remove: take it back."""

    id: str | None = None
    text: str | None = None
    remove: bool = False


# -- replies -------------------------------------------------------------------------------

class Ok(msgspec.Struct):
    ok: bool = True


class LastBeat(msgspec.Struct):
    sha: str
    headline: str
    time: int


class StatusReply(msgspec.Struct):
    """What `devlog status` and the editor's status bar show."""

    repository: str
    beats: int
    narrator: str  # "claude", "local" or "offline": who would write a draft now
    narrator_reason: str = ""  # what exactly, and why
    queue: int = 0
    last_beat: LastBeat | None = None
    corrupt_lines: int = 0
    pid: int | None = None  # None when answered in-process
    reconciling: bool = False
    backlog: int = 0
    clients: int = 0
    last_error: str = ""
    skipped: list[str] = msgspec.field(default_factory=list)
    uptime: float = 0.0
    reconciles: int = 0  # reconciles begun since the daemon started (a request runs one only when refs moved)


class LocalModelInfo(msgspec.Struct, rename="camel"):
    name: str
    context: int  # tokens one request may use


class LocalModelsReply(msgspec.Struct, rename="camel", omit_defaults=True):
    """What an editor's narrator picker offers: the local server's models."""

    server: str  # "Ollama at http://127.0.0.1:11434"
    models: list[LocalModelInfo] = msgspec.field(default_factory=list)
    problem: str = ""  # why there are none, and how to fix it


class JournalView(msgspec.Struct):
    markdown: str


class DraftResult(msgspec.Struct, omit_defaults=True):
    markdown: str
    narrator: str
    beats: int  # = counts.stretch
    chapters: int  # = counts.chapters
    counts: Counts | None = None  # every number of the run, counted once (devlogd.counts)
    violations: list[str] = msgspec.field(default_factory=list)
    notes: list[str] = msgspec.field(default_factory=list)
    sources: dict[str, list[str]] = msgspec.field(default_factory=dict)
    plan: dict[str, Any] = msgspec.field(default_factory=dict)  # a model narrator's plan, kept beside the post


class NoteReply(msgspec.Struct):
    time: int
    text: str  # as stored (redacted)


class QuestionsReply(msgspec.Struct, omit_defaults=True):
    questions: list[Question] = msgspec.field(default_factory=list)
    asked_by: str = msgspec.field(default="rules", name="askedBy")  # who chose them
    request: dict[str, Any] | None = None  # with dryRun: what the model would be sent
    note: str = ""  # why the model did not choose, when it was to


class NoteInfo(msgspec.Struct, omit_defaults=True):
    id: str
    time: int
    text: str
    kind: str = ""  # the gap an answer fills; "" for a free note
    question: str = ""


class NotesReply(msgspec.Struct):
    notes: list[NoteInfo]


class DraftText(msgspec.Struct):
    token: str
    text: str


class DraftPhase(msgspec.Struct):
    token: str
    phase: str  # a key of PHASE_UNITS
    done: int
    total: int


T = TypeVar("T")


def decode_reply(raw: Any, kind: type[T], what: str) -> T:
    """``raw`` (plain JSON data) as ``kind``, or one sentence saying what was wrong."""
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as err:
        raise ProtocolError(f"the daemon's reply to {what} was malformed: {err}") from err


def to_plain(value: Any) -> Any:
    """A Struct (or anything msgspec knows) as plain JSON data for the wire."""
    return msgspec.to_builtins(value)


# -- framing ---------------------------------------------------------------------------------

MAX_MESSAGE = 16 * 1024 * 1024


def frame(message: Any) -> bytes:
    """One JSON-RPC message with its Content-Length header."""
    body = message if isinstance(message, bytes) else msgspec.json.encode(message)
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class FrameError(ValueError):
    """The byte stream is out of step: the connection cannot be used any more."""


def content_length(header_lines: list[bytes]) -> int:
    """The body length a header block announces."""
    length: int | None = None
    for line in header_lines:
        name, sep, value = line.decode("ascii", "replace").partition(":")
        if not sep:
            raise FrameError(f"malformed header {line[:60]!r}")
        if name.strip().lower() == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                raise FrameError(f"bad Content-Length {value.strip()[:20]!r}") from None
    if length is None:
        raise FrameError("missing Content-Length")
    if not 0 <= length <= MAX_MESSAGE:
        raise FrameError(f"Content-Length {length} out of range")
    return length


class FrameBuffer:
    """Bytes in, whole message bodies out: for readers that receive in chunks."""

    def __init__(self) -> None:
        self._data = b""

    def feed(self, chunk: bytes) -> None:
        self._data += chunk

    def next_body(self) -> bytes | None:
        """The next complete body, or None until more bytes arrive."""
        end = self._data.find(b"\r\n\r\n")
        if end < 0:
            if len(self._data) > 8192:
                raise FrameError("no end of headers in 8 kB")
            return None
        length = content_length([l for l in self._data[:end].split(b"\r\n") if l])
        start = end + 4
        if len(self._data) - start < length:
            return None
        body = self._data[start : start + length]
        self._data = self._data[start + length :]
        return body


async def read_frame(reader: asyncio.StreamReader) -> bytes | None:
    """The next body from an asyncio stream; None at a clean end of stream. FrameError when
    the headers are wrong; asyncio.IncompleteReadError when the stream ends mid-message."""
    import asyncio

    headers: list[bytes] = []
    while True:
        line = await reader.readline()
        if not line:
            if not headers:
                return None
            raise asyncio.IncompleteReadError(line, None)
        if line in (b"\r\n", b"\n"):
            break
        headers.append(line.rstrip(b"\r\n"))
    return await reader.readexactly(content_length(headers))


def error_reply(msg_id: Any, code: int, message: str) -> bytes:
    """A framed JSON-RPC error."""
    return frame({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})


SERVER_NOT_INITIALIZED = -32002  # LSP: a request before `initialize`
_BEFORE_INITIALIZE = frozenset({"initialize", "exit"})


def refusal(raw: Any, initialized: bool) -> tuple[int, str] | None:
    """The error a message gets before it is handled, or None: not a JSON-RPC 2.0 object
    (-32600), or a request other than `initialize` and `exit` before `initialize`
    (ServerNotInitialized; LSP 3.17, "Server lifecycle": such a notification is dropped)."""
    if not isinstance(raw, dict) or raw.get("jsonrpc") != "2.0":
        return -32600, "invalid request: expected a JSON-RPC 2.0 object"
    if "method" in raw and not initialized and raw["method"] not in _BEFORE_INITIALIZE:
        return SERVER_NOT_INITIALIZED, "the server is not initialized: send initialize first"
    return None
