"""A draft open in an editor, grounded: its findings as LSP diagnostics (contradicted
claims as warnings, unsupported ones as information), the sources in a hover, and quick
fixes (open the change, remove the sentence, soften the claim).

Plain data in the protocol's JSON shapes; `server.lsp` (the only pygls and lsprotocol user)
turns them into its types and sends them. A markdown file is a draft when its
`FILE.sources.json` sidecar names changes of this repository's journal.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from devlogd.app import grounding, repofacts
from devlogd.app.project import Project
from devlogd.errors import DevlogError
from devlogd.pipeline.journal import JournalState
from devlogd.pipeline.redact import redact
from devlogd.story.claims import Place
from devlogd.story.grounding import CONTRADICTED, SUPPORTED, Finding, ground

log = logging.getLogger(__name__)

WARNING, INFORMATION = 2, 3  # LSP's DiagnosticSeverity
OPEN_CHANGE = "devlog.openChange"  # workspace/executeCommand, one sha -> the change shown as a file


def path_of(uri: str) -> Path | None:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


class OpenDrafts:
    """The findings of each open draft, kept for hovers and quick fixes between edits."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.findings: dict[str, list[Finding]] = {}
        self.trees: dict[str, grounding.GitTree] = {}
        self._lock = threading.Lock()

    def check(self, uri: str, text: str, journal: JournalState) -> list[dict[str, Any]] | None:
        """The diagnostics of the draft at ``uri`` as ``text`` now reads; None when it is
        no draft of this repository (no sidecar, or one naming none of its changes)."""
        path = path_of(uri)
        if path is None or not self.is_draft(uri):
            return None
        try:
            chapters = grounding.read_sidecar(path)
        except DevlogError as err:
            log.info("%s", err)
            return None
        known = journal.shas | set(journal.rewrites)
        if not any(sha in known for shas in chapters.values() for sha in shas):
            return None
        sources = grounding.sources_for(self.project, chapters, journal, self.trees.get(uri))
        if isinstance(sources.tree, grounding.GitTree):
            self.trees[uri] = sources.tree
        found = ground(text, sources)
        with self._lock:
            self.findings[uri] = found
        return [diagnostic(f, i) for i, f in enumerate(found) if f.verdict != SUPPORTED]

    def is_draft(self, uri: str) -> bool:
        path = path_of(uri)
        return path is not None and path.name.endswith(".md") and grounding.sidecar_of(path).is_file()

    def close(self, uri: str) -> None:
        with self._lock:
            self.findings.pop(uri, None)
        self.trees.pop(uri, None)

    def hover(self, uri: str, line: int, character: int) -> dict[str, Any] | None:
        for finding in self.findings.get(uri, []):
            if _inside(finding.claim.place, line, character):
                return {"contents": {"kind": "markdown", "value": hover_text(finding)},
                        "range": _range(finding.claim.place)}
        return None

    def actions(self, uri: str, line: int, col: int, end_line: int, end_col: int) -> list[dict[str, Any]]:
        """Quick fixes for the findings that overlap the range."""
        place = Place(line, col, end_line, end_col)
        out: list[dict[str, Any]] = []
        for index, finding in enumerate(self.findings.get(uri, [])):
            if finding.verdict == SUPPORTED or not _overlaps(finding.claim.place, place):
                continue
            fixes = [diagnostic(finding, index)]
            for source in finding.sources:
                if source.sha:  # a bare command: clients read a code action holding one as the command
                    out.append({"title": f"Open the change: {source.subject}", "command": OPEN_CHANGE,
                                "arguments": [source.sha]})
                    break
            sentence = finding.claim.sentence.place
            out.append({"title": "Remove the sentence", "kind": "quickfix", "diagnostics": fixes,
                        "edit": {"changes": {uri: [{"range": _range(sentence), "newText": ""}]}}})
            if finding.suggestion is not None:
                out.append({"title": f"Soften the claim: {finding.suggestion}", "kind": "quickfix",
                            "diagnostics": fixes, "isPreferred": finding.verdict == CONTRADICTED,
                            "edit": {"changes": {uri: [{"range": _range(finding.claim.place),
                                                        "newText": finding.suggestion}]}}})
        return out

    def change_file(self, sha: str) -> Path:
        """The change as a file an editor can open: its message, files and diff, redacted
        like everything devlog shows (kept in devlog's cache folder)."""
        where = self.project.paths.workdir or self.project.paths.common_dir
        shown = repofacts.show_change(where, sha)
        if shown is None:
            raise DevlogError(f"the change {sha[:12]} is not in this repository")
        folder = self.project.paths.cache_dir / "changes"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / f"{sha[:12]}.diff"
        target.write_text(redact(shown), encoding="utf-8")
        return target


def diagnostic(finding: Finding, index: int) -> dict[str, Any]:
    return {"range": _range(finding.claim.place),
            "severity": WARNING if finding.verdict == CONTRADICTED else INFORMATION,
            "source": "devlog", "code": f"{finding.verdict}-{finding.claim.kind}",
            "message": finding.reason, "data": {"index": index}}


def hover_text(finding: Finding) -> str:
    """The finding and the sources it rests on: each change's subject, date and lines."""
    parts = [f"**{finding.verdict}** ({finding.claim.kind}): {finding.reason}"]
    for source in finding.sources:
        head = f"- *{source.subject}*" + (f" — {source.date}" if source.date else "")
        lines = "".join(f"\n  ```\n  {line}\n  ```" for line in source.lines[:3]) if source.lines else ""
        parts.append(head + lines)
    return "\n\n".join(parts[:1]) + ("\n\nSources:\n\n" + "\n".join(parts[1:]) if len(parts) > 1 else "")


def _range(place: Place) -> dict[str, Any]:
    return {"start": {"line": place.line, "character": place.col},
            "end": {"line": place.end_line, "character": place.end_col}}


def _inside(place: Place, line: int, character: int) -> bool:
    return (place.line, place.col) <= (line, character) <= (place.end_line, place.end_col)


def _overlaps(a: Place, b: Place) -> bool:
    return (a.line, a.col) <= (b.end_line, b.end_col) and (b.line, b.col) <= (a.end_line, a.end_col)
