"""The Language Server Protocol face of the daemon. The only pygls user.

pygls serves one client per server object, so the daemon accepts connections itself and
builds one ``LanguageServer`` per connection over the shared :class:`RepoState`. Two
things differ from a stock pygls server, both so one client can never hurt another:

* ``exit`` closes this connection only (the stock handler calls ``sys.exit()``);
* malformed frames and JSON get a JSON-RPC error reply instead of being dropped.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
from collections.abc import Callable, Generator
from functools import lru_cache
from typing import Any, TypeVar

import msgspec
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, default_converter
from pygls.protocol.language_server import lsp_method

from devlogd import __version__, protocol
from devlogd.app import drafts, narrators, notes, selection
from devlogd.app import questions as asking
from devlogd.app.repostate import RepoState
from devlogd.errors import Cancelled, DevlogError
from devlogd.models import Beat
from devlogd.pipeline.journal import JournalState
from devlogd.protocol import (BeatsQuery, CredentialsParams, DraftOptions, DraftPhase, DraftText,
                              JournalQuery, JournalView, NoteParams, Ok)
from devlogd.server.draft_diagnostics import OPEN_CHANGE, OpenDrafts
from devlogd.server.progress import phase_message, phase_percentage, show_first_reconcile
from devlogd.server.status import status_info
from devlogd.story.journal_view import journal_markdown

log = logging.getLogger(__name__)

_tokens = itertools.count(1)


class DevlogProtocol(LanguageServerProtocol):
    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Generator[Any, Any, None]:
        """Close this client's connection; the daemon and its other clients carry on."""
        if (user_handler := self.fm.features.get(types.EXIT)) is not None:
            yield user_handler, args, None
        if self.writer is not None:
            self.writer.close()


@lru_cache(maxsize=1)
def _converter() -> Any:
    return default_converter()  # type: ignore[no-untyped-call]  # building one costs ~20 ms; every connection shares it


class DevlogServer(LanguageServer):
    def __init__(self, state: RepoState) -> None:
        super().__init__("devlogd", __version__, protocol_cls=DevlogProtocol,
                         converter_factory=_converter)
        self.state = state
        # Credentials an editor or terminal hands over: this connection's, in memory only.
        self.api_key: str | None = None
        self.base_url: str | None = None
        self.drafts: set[threading.Event] = set()  # the cancel flags of this client's drafts
        self.local_hint = narrators.LocalHint()
        self.open_drafts = OpenDrafts(state.project)  # the grounding of this client's open drafts

    def abandon(self) -> None:
        """The client went away: stop its drafts (their model streams close, no repair is
        asked for) and its pending requests, so nothing holds the draft pool for nobody."""
        for cancelled in list(self.drafts):
            cancelled.set()
        for future in list(self.protocol._request_futures.values()):  # pygls keeps them there
            future.cancel()


def create_server(state: RepoState) -> DevlogServer:
    server = DevlogServer(state)

    @server.command(protocol.CMD_STATUS)
    async def status(ls: DevlogServer, *args: Any) -> Any:
        query = _params(plain(args[0]) if args else {}, protocol.StatusQuery, "status query")
        # A daemon that has just started has not read the journal against git yet; a
        # moment's wait beats reporting "0 beats" (a long backfill shows as a backlog).
        await (ls.state.reconciled_now(force=True) if query.fresh else ls.state.wait_reconciled(timeout=2.0))
        try:
            ls.state.refresh_config()
            # Choosing may ask a local model server: off the event loop.
            choice = await asyncio.to_thread(narrators.choose, ls.state.project.config, query.narrator, ls.api_key,
                                             ls.base_url, ls.local_hint, query.local_model)
            return protocol.to_plain(status_info(ls.state, ls.api_key, choice))
        except DevlogError as err:
            raise user_error(err) from err

    @server.command(protocol.CMD_GENERATE_DRAFT)
    async def generate_draft(ls: DevlogServer, *args: Any) -> Any:
        options = _params(plain(args[0]) if args else {}, DraftOptions, "draft options")
        return protocol.to_plain(await _draft(ls, options))

    @server.feature(protocol.BEATS)
    async def beats(ls: DevlogServer, params: Any) -> Any:
        query = _params(plain(params), BeatsQuery, "beats query")
        selected = await _select(ls.state, query.since, query.until, query.limit)
        return protocol.to_plain(selected)

    @server.feature(protocol.JOURNAL)
    async def journal(ls: DevlogServer, params: Any) -> Any:
        query = _params(plain(params), JournalQuery, "journal query")
        selected = await _select(ls.state, query.since, query.until, None)
        title = f"Devlog journal: {ls.state.project.folder_name}"
        return protocol.to_plain(JournalView(markdown=journal_markdown(selected, title)))

    @server.feature(protocol.SET_CREDENTIALS)
    async def set_credentials(ls: DevlogServer, params: Any) -> Any:
        given = _params(plain(params), CredentialsParams, "credentials")
        ls.api_key = given.api_key or None
        ls.base_url = given.base_url or None
        ls.local_hint = narrators.LocalHint(given.local_url or None, given.ollama_host or None)
        return protocol.to_plain(Ok())

    @server.feature(protocol.LOCAL_MODELS)
    async def local_models(ls: DevlogServer, params: Any) -> Any:
        try:
            ls.state.refresh_config()
        except DevlogError as err:
            raise user_error(err) from err
        return protocol.to_plain(await asyncio.to_thread(narrators.local_models, ls.state.project.config,
                                                         ls.local_hint))

    @server.feature(protocol.ADD_NOTE)
    async def add_note(ls: DevlogServer, params: Any) -> Any:
        given = _params(plain(params), NoteParams, "note")
        try:
            reply = await ls.state.in_git_thread(notes.add_note, ls.state.project, given)
        except DevlogError as err:
            raise JsonRpcInvalidParams(str(err)) from err
        return protocol.to_plain(reply)

    @server.feature(protocol.QUESTIONS)
    async def questions(ls: DevlogServer, params: Any) -> Any:
        query = _params(plain(params), protocol.QuestionsQuery, "questions query")
        chosen = await _chosen(ls.state, query.since, query.until)
        return protocol.to_plain(await _in_git_thread(ls.state, lambda: asking.questions_for(ls.state.project, chosen, query, ls.api_key, ls.base_url)))

    @server.feature(protocol.ANSWER)
    async def answer(ls: DevlogServer, params: Any) -> Any:
        given = _params(plain(params), protocol.AnswerParams, "answer")
        chosen = await _chosen(ls.state, given.since, given.until)
        return protocol.to_plain(await _in_git_thread(ls.state, lambda: asking.answer_question(ls.state.project, chosen, given)))

    @server.feature(protocol.NOTES)
    async def list_notes(ls: DevlogServer, params: Any) -> Any:
        query = _params(plain(params), protocol.NotesQuery, "notes query")
        return protocol.to_plain(await _in_git_thread(ls.state, lambda: notes.notes(ls.state.project, query)))

    async def opened_or_edited(ls: DevlogServer, params: Any) -> None:
        await _ground(ls, params.text_document.uri)

    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(opened_or_edited)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(opened_or_edited)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DevlogServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.open_drafts.close(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: DevlogServer, params: types.HoverParams) -> types.Hover | None:
        found = ls.open_drafts.hover(params.text_document.uri, params.position.line, params.position.character)
        return _converter().structure(found, types.Hover) if found else None

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: DevlogServer, params: types.CodeActionParams) -> list[types.CodeAction | types.Command]:
        at = params.range
        fixes = ls.open_drafts.actions(params.text_document.uri, at.start.line, at.start.character, at.end.line,
                                       at.end.character)
        return [_converter().structure(a, types.Command if "command" in a else types.CodeAction) for a in fixes]

    @server.command(OPEN_CHANGE)
    async def open_change(ls: DevlogServer, *args: Any) -> Any:
        try:
            shown = await asyncio.to_thread(ls.open_drafts.change_file, str(plain(args[0]) if args else ""))
        except DevlogError as err:
            raise user_error(err) from err
        ls.window_show_document(types.ShowDocumentParams(uri=shown.as_uri(), take_focus=True))
        return {"path": str(shown)}

    @server.feature(types.SHUTDOWN)
    def on_shutdown(ls: DevlogServer, params: Any) -> None:
        return None

    return server


def user_error(err: DevlogError) -> JsonRpcInvalidParams:
    """A DevlogError as the error reply the terminal turns back into the same sentence and
    exit code (editors show the sentence)."""
    return JsonRpcInvalidParams(str(err), data=protocol.failure_data(err))


def plain(value: Any) -> Any:
    """pygls hands custom params over as namedtuples; the handlers want plain JSON data."""
    if value is None:
        return {}
    if hasattr(value, "_asdict"):
        return {k: plain(v) if v is not None else None for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


T = TypeVar("T")


def _params(raw: Any, kind: type[T], what: str) -> T:
    try:
        return msgspec.convert(raw or {}, kind)
    except msgspec.ValidationError as err:
        raise JsonRpcInvalidParams(f"invalid {what}: {err}") from err


async def _visible(state: RepoState) -> JournalState:
    try:
        state.refresh_config()
    except DevlogError as err:
        raise user_error(err) from err
    await state.reconciled_now()  # an answer is never behind the branches as they are now
    # Other writers (devlog enrich, publish, note) append too: pick up what they added, cheaply.
    state.journal = await state.in_git_thread(state.project.journal.refresh, state.journal)
    return selection.visible_journal(state.journal, state.reachable)


async def _in_git_thread(state: RepoState, fn: Callable[[], T]) -> T:
    """``fn`` on the git thread (revision ranges need pygit2); a bad range is invalid params."""
    try:
        return await state.in_git_thread(fn)
    except DevlogError as err:
        raise user_error(err) from err


async def _select(state: RepoState, since: str | None, until: str | None, limit: int | None) -> list[Beat]:
    journal = await _visible(state)
    return await _in_git_thread(state, lambda: selection.select_beats(state.project, journal, since, until, limit))


async def _chosen(state: RepoState, since: str | None, until: str | None) -> selection.DraftSelection:
    """What a draft of this range would tell (the journal as the branches are now)."""
    journal = await _visible(state)
    return await _in_git_thread(state, lambda: selection.draft_range(state.project, journal, since, until))


async def _draft(ls: DevlogServer, options: DraftOptions) -> protocol.DraftResult:
    state = ls.state
    token = f"devlog-draft-{next(_tokens)}"
    progress = await _begin_progress(ls, token)
    cancelled = threading.Event()
    if progress is not None:
        progress.add_done_callback(lambda _: cancelled.set())
    loop = asyncio.get_running_loop()

    def report(phase: str, done: int, total: int) -> None:
        if cancelled.is_set():
            raise Cancelled("the draft was cancelled")
        loop.call_soon_threadsafe(ls.protocol.notify, protocol.DRAFT_PHASE,
                                  protocol.to_plain(DraftPhase(token=token, phase=phase, done=done, total=total)))
        if progress is not None:
            value = types.WorkDoneProgressReport(message=phase_message(phase, done, total),
                                                 percentage=phase_percentage(phase, done, total))
            loop.call_soon_threadsafe(ls.work_done_progress.report, token, value)

    def note(message: str) -> None:
        params = types.LogMessageParams(type=types.MessageType.Info, message=message)
        loop.call_soon_threadsafe(ls.protocol.notify, types.WINDOW_LOG_MESSAGE, params)

    def text(chunk: str) -> None:
        loop.call_soon_threadsafe(ls.protocol.notify, protocol.DRAFT_TEXT,
                                  protocol.to_plain(DraftText(token=token, text=chunk)))

    def activity(message: str) -> None:  # a model narrator's tool call ("reading fenster.h"), as progress
        loop.call_soon_threadsafe(ls.work_done_progress.report, token, types.WorkDoneProgressReport(message=message))

    hooks = drafts.DraftHooks(report, note, text, cancelled, activity if progress is not None else None)
    ls.drafts.add(cancelled)
    try:
        await show_first_reconcile(state, report)
        chosen = await _chosen(state, options.since, options.until)
        result = await state.in_work_thread(drafts.write_draft, state.project, chosen, options, hooks,
                                            ls.api_key, ls.base_url, ls.local_hint)
    except asyncio.CancelledError:
        cancelled.set()  # $/cancelRequest: stop the narrator thread too
        raise
    except DevlogError as err:
        raise user_error(err) from err
    finally:
        ls.drafts.discard(cancelled)
        if progress is not None:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
    return result


async def _begin_progress(ls: DevlogServer, token: str) -> Any:
    """Start a `$/progress` report if the client can show one; its future is cancelled when
    the user cancels."""
    caps = getattr(ls.protocol, "client_capabilities", None)
    window = getattr(caps, "window", None) if caps is not None else None
    if not (window and window.work_done_progress):
        return None
    try:
        await asyncio.wait_for(ls.work_done_progress.create_async(token), timeout=5)
    except Exception:
        return None
    ls.work_done_progress.begin(
        token, types.WorkDoneProgressBegin(title="Writing devlog", cancellable=True, percentage=0)
    )
    return ls.work_done_progress.tokens.get(token)


async def _ground(ls: DevlogServer, uri: str) -> None:
    """Publish an open draft's grounding as it now reads (a newer edit's check publishes its own)."""
    if not ls.open_drafts.is_draft(uri):  # no sidecar: a markdown file like any other
        return
    text, version = (document := ls.workspace.get_text_document(uri)).source, document.version
    journal = await _visible(ls.state)
    found = await asyncio.to_thread(ls.open_drafts.check, uri, text, journal)
    if found is None or ls.workspace.get_text_document(uri).version != version:
        return
    ls.text_document_publish_diagnostics(_converter().structure(
        {"uri": uri, "version": version, "diagnostics": found}, types.PublishDiagnosticsParams))


# -- one connection ----------------------------------------------------------------------

async def serve_connection(state: RepoState, reader: asyncio.StreamReader,
                           writer: asyncio.StreamWriter) -> None:
    server = create_server(state)
    rpc = server.protocol
    rpc.set_writer(writer)

    def initialized() -> bool:
        return getattr(rpc, "client_capabilities", None) is not None

    def on_beats(beats: list[Beat]) -> None:
        if not initialized():
            return  # LSP forbids notifications before initialize
        for beat in beats:
            rpc.notify(protocol.BEAT_ADDED, protocol.to_plain(beat))

    def on_error(message: str) -> None:
        if initialized():
            params = types.ShowMessageParams(type=types.MessageType.Error, message=f"devlog: {message}")
            rpc.notify(types.WINDOW_SHOW_MESSAGE, params)

    state.listeners.add(on_beats)
    state.error_listeners.add(on_error)
    try:
        await _read_loop(reader, writer, rpc)
    finally:
        server.abandon()
        state.listeners.discard(on_beats)
        state.error_listeners.discard(on_error)


async def _read_loop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     rpc: LanguageServerProtocol) -> None:
    while not writer.is_closing():
        try:
            body = await protocol.read_frame(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        except protocol.FrameError as err:
            _send_error(writer, None, -32700, f"bad frame: {err}")
            return  # the stream is out of step; the client must reconnect
        if body is None:
            return
        _dispatch(body, writer, rpc)


def _dispatch(body: bytes, writer: asyncio.StreamWriter, rpc: LanguageServerProtocol) -> None:
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        _send_error(writer, None, -32700, f"parse error: {err}")
        return
    msg_id = raw.get("id") if isinstance(raw, dict) else None
    if (refused := protocol.refusal(raw, getattr(rpc, "client_capabilities", None) is not None)) is not None:
        return None if msg_id is None and refused[0] == protocol.SERVER_NOT_INITIALIZED else _send_error(writer, msg_id, *refused)
    if "method" in raw and "params" not in raw:
        body = json.dumps({**raw, "params": None}).encode()  # JSON-RPC lets params be omitted
    try:
        message = json.loads(body, object_hook=rpc.structure_message)
    except JsonRpcException as err:
        if msg_id is not None:
            _send_error(writer, msg_id, err.code, err.message or "invalid params")
        return
    except Exception as err:
        if msg_id is not None:
            _send_error(writer, msg_id, -32602, f"invalid params: {err}")
        return
    try:
        rpc.handle_message(message)
    except JsonRpcException as err:
        if msg_id is not None and "method" in raw:
            _send_error(writer, msg_id, err.code, err.message or "error")
    except Exception:
        log.exception("failed to handle %s", raw.get("method"))
        if msg_id is not None and "method" in raw:
            _send_error(writer, msg_id, -32603, "internal error")


def _send_error(writer: asyncio.StreamWriter, msg_id: Any, code: int, message: str) -> None:
    if not writer.is_closing():
        writer.write(protocol.error_reply(msg_id, code, message))
