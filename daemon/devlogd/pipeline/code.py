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
import zlib
from collections import OrderedDict
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

import tree_sitter_language_pack as language_pack

from devlogd.models import CodeFile, Definition
from devlogd.pipeline import code_lines
from devlogd.pipeline.code_languages import LANGUAGES, SYNTAX, Syntax

log = logging.getLogger(__name__)

MAX_BYTES = 1_000_000  # a file larger than this is data or generated: not read
MAX_REFERENCES = 20_000  # names kept per file (a map needs which names, not every use)
_DOC_CHARS = 400  # characters of a doc comment kept
_BINARY_HEAD = 8000  # bytes looked at for a NUL, as git does

_parsers: dict[str, Any] = {}


def language_of(path: str) -> str:
    """The language a path is written in, by its extension ("" when it is not code we know)."""
    pure = PurePosixPath(path)
    return LANGUAGES.get(pure.suffix.lower(), "") or LANGUAGES.get(pure.name, "")


def has_grammar(path: str) -> bool:
    return language_of(path) in SYNTAX


def read(data: bytes | str, path: str, references: bool = False) -> CodeFile:
    """The definitions (and, when asked, the names used) of one file's text."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    language = language_of(path)
    if len(raw) > MAX_BYTES:
        return CodeFile(path=path, language=language, reader="skipped", note="too large to read")
    if b"\0" in raw[:_BINARY_HEAD]:
        return CodeFile(path=path, language=language, reader="skipped", note="binary")
    syntax = SYNTAX.get(language)
    if syntax is None:
        text = raw.decode("utf-8", "replace")
        return CodeFile(path=path, language=language, reader="lines",
                        definitions=code_lines.definitions(text), lines=text.count("\n") + 1)
    tree = _parser(syntax.grammar).parse(raw)
    walk = _Walk(raw, syntax, references)
    walk.run(tree.root_node)
    return CodeFile(path=path, language=language, reader="tree-sitter", definitions=walk.definitions,
                    references=walk.references, lines=raw.count(b"\n") + 1)


class ReadCache:
    """Files read by blob id: a backfill walks history oldest first, so the new side of one
    commit is the old side of the next, and each blob is parsed once."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._files: OrderedDict[tuple[str, str], CodeFile] = OrderedDict()

    def get(self, key: str, path: str, load: Callable[[], bytes]) -> CodeFile:
        """The file behind ``key`` (a blob id); ``load()`` gives its bytes when not cached."""
        slot = (key, language_of(path))
        found = self._files.get(slot)
        if found is not None:
            self._files.move_to_end(slot)
            return found if found.path == path else _at(found, path)
        found = read(load(), path)
        self._files[slot] = found
        if len(self._files) > self._size:
            self._files.popitem(last=False)
        return found


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

    def __init__(self, raw: bytes, syntax: Syntax, references: bool) -> None:
        self.raw = raw
        self.syntax = syntax
        self.want_references = references
        self.definitions: list[Definition] = []
        self.references: list[str] = []
        self._name_nodes: set[int] = set()

    def run(self, root: Any) -> None:
        # (node, index of the enclosing definition or -1)
        stack: list[tuple[Any, int]] = [(root, -1)]
        while stack:
            node, parent = stack.pop()
            kind = self.syntax.definitions.get(node.type)
            inside = parent
            if kind is not None and (node.type not in _NEEDS_BODY or node.child_by_field_name("body") is not None):
                made = self._definition(node, kind, parent)
                if made is not None:
                    inside = len(self.definitions) - 1
                    if kind in ("function", "method") and not self.want_references:
                        continue  # a function's body holds no definitions a reader tracks
            elif self.want_references and node.type in self.syntax.references:
                self._reference(node)
            children = node.children
            if children:
                stack.extend((child, inside) for child in reversed(children))

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
            doc=self._doc(node), signature=self._signature(node),
            body=_body_hash(self._text(node), name),
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
        return _clip(" ".join(self._text(first).strip("\"'rbuRBU \n").split()))

    def _text(self, node: Any) -> str:
        return self.raw[node.start_byte : node.end_byte].decode("utf-8", "replace")


# `struct fenster *f` names a struct it does not define: only a specifier with a body does.
_NEEDS_BODY = frozenset({"struct_specifier", "union_specifier", "enum_specifier", "class_specifier"})
_CONTAINERS = frozenset({"class", "impl", "trait", "interface", "module", "struct"})
_QUALIFIED = frozenset({"qualified_identifier", "scoped_identifier", "scoped_type_identifier", "generic_type"})
_NAMES = frozenset({"identifier", "field_identifier", "type_identifier", "property_identifier", "constant",
                    "word", "name", "destructor_name", "operator_name", "private_property_identifier",
                    "dot_index_expression", "method_index_expression", "simple_identifier", "type_constructor"})


def _clip(text: str) -> str:
    return text if len(text) <= _DOC_CHARS else text[: _DOC_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _body_hash(text: str, name: str) -> int:
    """Equal for two definitions that differ only in their name and whitespace."""
    return zlib.crc32(" ".join(text.replace(name, "\0").split()).encode("utf-8", "replace"))
