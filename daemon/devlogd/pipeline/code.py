"""The code reader: source text in, typed definitions and references out. The only module
that imports tree_sitter.

A file is parsed with the pre-compiled grammar of its language (tree-sitter-language-pack)
and walked once: each definition (function, method, class, struct, trait, type, macro)
with its line span and the comment or docstring attached to it, and the names the file
uses. A language without a grammar is read by the line heuristics of ``code_lines``, and
the result says so (``reader="lines"``).

Repository content is hostile input: a file larger than ``MAX_BYTES`` or with a NUL byte in
its head (a binary with a source extension) is not read; the walk is iterative (a file of
100,000 nested braces does not recurse), visits each node once, and stops recording
references at ``MAX_REFERENCES``.
"""

from __future__ import annotations

import logging
import time
from itertools import accumulate
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import msgspec
import tree_sitter
import tree_sitter_language_pack as language_pack

from devlogd.models import CodeFile, Definition
from devlogd.pipeline import code_lines
from devlogd.pipeline.code_languages import LANGUAGES, SYNTAX, Syntax

log = logging.getLogger(__name__)

MAX_BYTES = 1_000_000  # a file larger than this is data or generated: not read
PARSE_SECONDS, PARSE_SECONDS_PER_BYTE = 0.5, 20e-6  # 1 MB of garbage: given up after 20 s
MAX_REFERENCES = 20_000  # names kept per file (a map needs which names, not every use)
_DOC_CHARS = 400  # characters of a doc comment kept
_BINARY_HEAD = 8000  # bytes looked at for a NUL, as git does

_STRING_OPEN = re.compile(r"[rRbBuUfF]{0,2}+(\"\"\"|'''|\"|')")  # a docstring's prefix and quotes
_MATCH_LIMIT = 1 << 16  # in-progress matches a query keeps; our patterns are single nodes
_parsers: dict[str, Any] = {}
_queries: dict[tuple[str, str], Any] = {}


def language_of(path: str) -> str:
    """The language a path is written in, by its extension ("" when it is not code we know)."""
    pure = PurePosixPath(path)
    return LANGUAGES.get(pure.suffix.lower(), "") or LANGUAGES.get(pure.name, "")


def has_grammar(path: str) -> bool:
    return language_of(path) in SYNTAX


def read(data: bytes | str, path: str, references: bool = False) -> CodeFile:
    """The definitions (and, when asked, the names used) of one file's text."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    return parse(raw, path, references).file


Edit = tuple[int, int, int, int]  # a diff hunk: old start, old count, new start, new count (lines from 1)


@dataclass
class Parsed:
    """A file read, with its syntax tree kept so that the next revision reparses only its edits."""

    file: CodeFile
    raw: bytes = b""
    tree: Any = None


def parse(raw: bytes, path: str, references: bool = False, base: Parsed | None = None,
          edits: Sequence[Edit] = (), detail: bool = True) -> Parsed:
    """Reads ``raw``; given the ``base`` revision it was changed from by ``edits`` (a diff's
    hunks), tree-sitter reuses the base's tree and reparses only around the edits."""
    language = language_of(path)
    if len(raw) > MAX_BYTES:
        return Parsed(CodeFile(path=path, language=language, reader="skipped", note="too large to read"))
    if b"\0" in raw[:_BINARY_HEAD]:
        return Parsed(CodeFile(path=path, language=language, reader="skipped", note="binary"))
    syntax = SYNTAX.get(language)
    if syntax is None:
        text = raw.decode("utf-8", "replace")
        return Parsed(CodeFile(path=path, language=language, reader="lines",
                               definitions=code_lines.definitions(text), lines=text.count("\n") + 1))
    parser = _parser(syntax.grammar)
    old_tree = _edited(base, raw, edits) if base is not None and base.tree is not None and edits else None
    tree = _parse_in_time(parser, raw, old_tree)
    if tree is not None and old_tree is not None and tree.root_node.end_byte != len(raw):
        tree = _parse_in_time(parser, raw, None)  # the edits did not describe this text: read it whole
    if tree is None:  # tree-sitter's error recovery on garbage can take long: the line reader instead
        text = raw.decode("utf-8", "replace")
        return Parsed(CodeFile(path=path, language=language, reader="lines", note="parse took too long",
                               definitions=code_lines.definitions(text), lines=text.count("\n") + 1))
    walk = _Walk(raw, syntax, references, detail)
    walk.run(tree.root_node)
    definitions, note = walk.definitions, ""
    if tree.root_node.has_error:
        definitions, note = _with_unparsed(definitions, walk.broken, raw), "syntax errors: some definitions read by line"
    found = CodeFile(path=path, language=language, reader="tree-sitter", note=note, definitions=definitions,
                     references=walk.references, lines=raw.count(b"\n") + 1)
    return Parsed(found, raw, tree)


def _with_unparsed(definitions: list[Definition], broken: set[int], raw: bytes) -> list[Definition]:
    """Where a file does not parse (an unclosed brace, a macro the grammar cannot see
    through), tree-sitter's recovery may swallow what follows into an erroneous definition
    or an error node. A definition the line reader finds at the start of a line, outside
    every sound span, is added; an erroneous span that held it ends before it."""
    lines = raw.split(b"\n")
    names = {d.name for d in definitions}
    sound = [(d.start, d.end) for i, d in enumerate(definitions) if i not in broken]
    extra = [d for d in code_lines.definitions(raw.decode("utf-8", "replace"))
             if d.name not in names and lines[d.start - 1][:1].strip()
             and not any(start <= d.start <= end for start, end in sound)]
    if not extra:
        return definitions
    kept = []
    for index, definition in enumerate(definitions):
        cut = [d.start for d in extra if definition.start < d.start <= definition.end] if index in broken else []
        kept.append(msgspec.structs.replace(definition, end=min(cut) - 1) if cut else definition)
    return sorted(kept + extra, key=lambda d: d.start)


def _parse_in_time(parser: Any, raw: bytes, old_tree: Any) -> Any:
    """The tree, or None when parsing overran its time: PARSE_SECONDS and PARSE_SECONDS_PER_BYTE
    keep a hostile file's cost linear in its size (a valid file parses far faster)."""
    deadline = time.monotonic() + PARSE_SECONDS + len(raw) * PARSE_SECONDS_PER_BYTE

    def chunk(offset: int, _point: Any) -> bytes:
        return raw[offset : offset + 65536]

    def overran(*_state: Any) -> bool:
        return time.monotonic() > deadline

    try:
        if old_tree is None:
            return parser.parse(chunk, progress_callback=overran)
        return parser.parse(chunk, old_tree, progress_callback=overran)
    except ValueError:
        parser.reset()
        return None


def _edited(base: Parsed, raw: bytes, edits: Sequence[Edit]) -> Any:
    """A copy of the base's tree told where the diff's hunks changed it, last hunk first (so
    each edit's coordinates are still those of the base text)."""
    old_at, new_at = _line_starts(base.raw), _line_starts(raw)
    tree = base.tree.copy()
    for old_start, old_count, new_start, new_count in reversed(edits):
        first = old_start - 1 if old_count else old_start  # 0-based first line replaced
        new_first = new_start - 1 if new_count else new_start
        if first + old_count >= len(old_at) or new_first + new_count >= len(new_at):
            return None
        start = old_at[first]
        tree.edit(start_byte=start, old_end_byte=old_at[first + old_count],
                  new_end_byte=start + new_at[new_first + new_count] - new_at[new_first],
                  start_point=(first, 0), old_end_point=(first + old_count, 0),
                  new_end_point=(first + new_count, 0))
    return tree


def _line_starts(raw: bytes) -> list[int]:
    """Where each line starts, and one past the end."""
    starts = [0, *accumulate(len(line) + 1 for line in raw.split(b"\n"))]
    starts[-1] = len(raw)  # the last line has no newline after it
    return starts


class ReadCache:
    """Files read by blob id: a backfill walks history oldest first, so the new side of one
    commit is the old side of a later one; each blob is read once, and a new revision is
    reparsed from its parent's tree (kept for the most recent files) around its hunks."""

    def __init__(self, size: int = 2048, trees: int = 64) -> None:
        self._size, self._tree_size = size, trees
        self._files: OrderedDict[tuple[str, str], CodeFile] = OrderedDict()
        self._trees: OrderedDict[tuple[str, str], Parsed] = OrderedDict()

    def get(self, key: str, path: str, load: Callable[[], bytes], base: str = "",
            edits: Sequence[Edit] = ()) -> CodeFile:
        """The file behind ``key`` (a blob id); ``load()`` gives its bytes when not cached.
        ``base`` is the blob it was changed from by ``edits``, when known."""
        slot = (key, language_of(path))
        found = self._files.get(slot)
        if found is None:
            parsed = parse(load(), path, base=self._trees.get((base, slot[1])) if base else None, edits=edits,
                           detail=False)
            found = self._files[slot] = parsed.file
            if parsed.tree is not None:
                self._trees[slot] = parsed
                if len(self._trees) > self._tree_size:
                    self._trees.popitem(last=False)
            if len(self._files) > self._size:
                self._files.popitem(last=False)
        else:
            self._files.move_to_end(slot)
        return found if found.path == path else _at(found, path)


def _at(found: CodeFile, path: str) -> CodeFile:
    return CodeFile(path=path, language=found.language, reader=found.reader, note=found.note,
                    definitions=found.definitions, references=found.references, lines=found.lines)


def _parser(grammar: str) -> Any:
    parser = _parsers.get(grammar)
    if parser is None:
        parser = _parsers[grammar] = language_pack.get_parser(grammar)  # type: ignore[arg-type]
    return parser


class _Walk:
    """One pass over a syntax tree, iterative so that nesting depth costs no stack."""

    def __init__(self, raw: bytes, syntax: Syntax, references: bool, detail: bool = True) -> None:
        self.raw = raw
        self.detail = detail  # doc comments and signatures, which naming a change does not need
        self.syntax = syntax
        self.want_references = references
        self.definitions: list[Definition] = []
        self.references: list[str] = []
        self._name_nodes: set[int] = set()
        self.broken: set[int] = set()  # definitions whose node holds a syntax error

    def run(self, root: Any) -> None:
        # Only the spine of the tree is walked: the root, the statements and blocks that can
        # hold a definition, and the bodies of classes; an expression or a function's body
        # is never entered (a method of a factory's object, in JavaScript, is the exception).
        # The stack is a list: nesting depth costs no recursion.
        enclosing: list[tuple[int, int, str]] = []  # (end byte, definition index, kind), innermost last
        stack = list(reversed(root.children))
        while stack:
            node = stack.pop()
            while enclosing and enclosing[-1][0] <= node.start_byte:
                enclosing.pop()
            kind = self.syntax.definitions.get(node.type)
            made = None
            if kind is not None and (node.type not in _NEEDS_BODY or node.child_by_field_name("body") is not None):
                if node.type in self.syntax.nested or not any(k in _FUNCTIONS for _, _, k in enclosing):
                    made = self._definition(node, kind, enclosing[-1][1] if enclosing else -1)
            if made is not None:
                if node.has_error:
                    self.broken.add(len(self.definitions) - 1)
                enclosing.append((node.end_byte, len(self.definitions) - 1, made.kind))
                if made.kind in _FUNCTIONS and not self.syntax.nested:
                    continue
            elif not _holds_definitions(node.type):
                continue
            stack.extend(reversed(node.children))
        if self.want_references:
            for node in _captures(self.syntax, "references", root):
                self._reference(node)

    def _reference(self, node: Any) -> None:
        if len(self.references) < MAX_REFERENCES and node.id not in self._name_nodes:
            self.references.append(self._text(node))

    def _definition(self, node: Any, kind: str, parent: int) -> Definition | None:
        name_node = self._name_node(node)
        if name_node is None:
            return None
        self._name_nodes.add(name_node.id)
        name = self._text(name_node).rsplit(".", 1)[-1].rsplit("::", 1)[-1].rsplit(":", 1)[-1].strip()
        if not name or len(name) > 200:
            return None
        if kind == "function" and parent >= 0 and self.definitions[parent].kind in _CONTAINERS:
            kind = "method"
        start, end = node.start_point[0] + 1, node.end_point[0] + 1
        if node.end_point[1] == 0 and end > start:
            end -= 1  # a node that ends with its newline ends on the line before
        definition = Definition(
            name=name, kind=kind, start=start, end=end,
            parent=self.definitions[parent].name if parent >= 0 else "",
            doc=self._doc(node) if self.detail else "", signature=self._signature(node) if self.detail else "",
            body=_body_hash(self.raw[node.start_byte : node.end_byte], name, kind in _CONTAINERS),
        )
        self.definitions.append(definition)
        return definition

    def _name_node(self, node: Any) -> Any | None:
        found = node.child_by_field_name(self.syntax.name_fields.get(node.type, "name"))
        if found is None and node.type in self.syntax.named_by_child:
            wanted = self.syntax.named_by_child[node.type]
            found = next((c for c in node.named_children if c.type in wanted), None)
        if found is None:
            found = node.child_by_field_name("declarator")
            if node.type == "declaration" and not self._declares_function(node):
                return None  # `int x;` declares a variable, not a function
        # C and its kin: the name sits inside declarators (`*f(int)`, `(*f)[3]`); a few steps.
        for _ in range(8):
            if found is None or found.type in _NAMES:
                break
            inner = (found.child_by_field_name("declarator") or found.child_by_field_name("name")
                     or found.child_by_field_name("type"))
            if inner is None and found.type in _QUALIFIED and found.named_children:
                inner = found.named_children[-1]
            found = inner
        if found is None or found.type not in _NAMES:
            return None
        value = self.syntax.values.get(node.type)
        if value is not None:
            held = node.child_by_field_name("value")
            if held is None or held.type not in value:
                return None  # `const x = 3`: a value, not a function
        return found

    def _declares_function(self, node: Any) -> bool:
        declarator = node.child_by_field_name("declarator")
        for _ in range(8):
            if declarator is None:
                return False
            if declarator.type == "function_declarator":
                return True
            declarator = declarator.child_by_field_name("declarator")
        return False

    def _signature(self, node: Any) -> str:
        """The definition's first line, from its start to where its body opens."""
        line_end = self.raw.find(b"\n", node.start_byte, node.start_byte + 240)
        line_end = min(node.end_byte, node.start_byte + 240) if line_end < 0 else min(line_end, node.end_byte)
        head = self.raw[node.start_byte : line_end].decode("utf-8", "replace")
        return head.rstrip().rstrip("{").rstrip(":").rstrip()

    def _doc(self, node: Any) -> str:
        """The comment right above a definition, or its docstring."""
        docstring = self._docstring(node)
        if docstring:
            return docstring
        lines: list[str] = []
        above = node.prev_sibling
        line = node.start_point[0]
        while above is not None and "comment" in above.type and above.end_point[0] >= line - 1 and len(lines) < 40:
            if above.end_point[0] == node.start_point[0] and above.start_point[0] == node.start_point[0]:
                break  # `x; // about x` on the line above's end belongs to x, not here
            if not code_lines.is_directive(self._text(above)):
                lines[:0] = code_lines.comment_text(self._text(above))
            line = above.start_point[0]
            above = above.prev_sibling
        return _clip(" ".join(lines))

    def _docstring(self, node: Any) -> str:
        body = node.child_by_field_name("body")
        if body is None or not self.syntax.docstrings or not body.named_children:
            return ""
        first = body.named_children[0]
        if first.type == "expression_statement" and first.named_children:
            first = first.named_children[0]
        if first.type != "string":
            return ""
        text = self._text(first)
        quote = _STRING_OPEN.match(text)
        if quote is not None:
            text = text[quote.end() :]
            text = text[: -len(quote.group(1))] if text.endswith(quote.group(1)) else text
        return _clip(" ".join(text.split()))

    def _text(self, node: Any) -> str:
        return self.raw[node.start_byte : node.end_byte].decode("utf-8", "replace")


# `struct fenster *f` names a struct it does not define: only a specifier with a body does.
_NEEDS_BODY = frozenset({"struct_specifier", "union_specifier", "enum_specifier", "class_specifier"})
# Node types whose children may be definitions: blocks and bodies, statements, lists of
# declarations, preprocessor branches, `export`, `extern "C"`, `return {...}`.
_SPINE_ENDINGS = ("block", "body", "statement", "definition", "declaration", "declaration_list", "clause",
                  "item", "specifier", "spec", "specification", "object", "program", "module")


def _holds_definitions(node_type: str) -> bool:
    return node_type.endswith(_SPINE_ENDINGS) or node_type.startswith("preproc_")


_FUNCTIONS = frozenset({"function", "method"})
_CONTAINERS = frozenset({"class", "impl", "trait", "interface", "module", "struct"})
_QUALIFIED = frozenset({"qualified_identifier", "scoped_identifier", "scoped_type_identifier", "generic_type"})
_NAMES = frozenset({"identifier", "field_identifier", "type_identifier", "property_identifier", "constant",
                    "word", "name", "destructor_name", "operator_name", "private_property_identifier",
                    "dot_index_expression", "method_index_expression", "simple_identifier", "type_constructor"})


def _clip(text: str) -> str:
    return text if len(text) <= _DOC_CHARS else text[: _DOC_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _body_hash(text: bytes, name: str, container: bool) -> int:
    """Equal for two definitions that differ only in their name (and, for a function, in
    whitespace: a function moved into or out of a class changes its indentation)."""
    text = text.replace(name.encode("utf-8", "replace"), b"\0")
    return zlib.crc32(text if container else b" ".join(text.split()))


def _captures(syntax: Syntax, which: str, root: Any) -> list[Any]:
    """The nodes of the kinds ``which`` names ("definitions" or "references"), found by a
    tree-sitter query: a walk in C, bounded by the query cursor's match limit."""
    query = _queries.get((syntax.grammar, which))
    if query is None:
        types = syntax.definitions if which == "definitions" else syntax.references
        language = _parser(syntax.grammar).language
        # Tables are shared between related grammars (JavaScript's and TypeScript's): a node
        # kind one of them lacks would make the whole query invalid, so only known kinds go in.
        known = sorted(t for t in types if language.id_for_node_kind(t, True) is not None)
        query = _queries[(syntax.grammar, which)] = tree_sitter.Query(
            language, "[" + " ".join(f"({t})" for t in known) + "] @node")
    cursor = tree_sitter.QueryCursor(query, match_limit=_MATCH_LIMIT)
    found: list[Any] = cursor.captures(root).get("node", [])
    return found[:MAX_REFERENCES] if which == "references" else found
