"""The code reader: definitions, spans and doc comments from tree-sitter, the marked line
fallback, and bounds on hostile files."""

from __future__ import annotations

import difflib

from devlogd.pipeline import code
from devlogd.pipeline.code_changes import HunkLines, changed_definitions

HEADER = b"""#ifndef LIB_H
struct lib {
  int width; /* pixels */
  int *buf;
};

/* Opens a window of the given size. */
int lib_open(struct lib *f);
// Runs one frame; returns non-zero when the window closed.
int lib_loop(struct lib *f);
// clang-format off
static const int KEYS[2] = {1, 2};
// clang-format on
void lib_close(struct lib *f) {
  free(f->buf);
}
#endif
"""


def _names(found: code.CodeFile) -> list[tuple[str, str, int, int]]:
    return [(d.kind, d.name, d.start, d.end) for d in found.definitions]


def test_c_definitions_have_their_spans_and_the_comment_above_them() -> None:
    found = code.read(HEADER, "lib.h")
    assert found.reader == "tree-sitter"
    assert _names(found) == [("struct", "lib", 2, 5), ("declaration", "lib_open", 8, 8),
                             ("declaration", "lib_loop", 10, 10), ("function", "lib_close", 14, 16)]
    docs = {d.name: d.doc for d in found.definitions}
    assert docs["lib_open"] == "Opens a window of the given size."
    assert docs["lib_loop"] == "Runs one frame; returns non-zero when the window closed."
    assert docs["lib_close"] == ""  # `// clang-format on` is an instruction to a tool


def test_a_struct_used_as_a_type_is_not_a_definition() -> None:
    found = code.read(b"void f(struct lib *l) {}\nstruct lib *g(void);\n", "x.c")
    assert [d.name for d in found.definitions] == ["f", "g"]


def test_python_methods_know_their_class_and_docstring() -> None:
    found = code.read(b'class Shop:\n    """Sells."""\n\n    def buy(self):\n        """Buys one."""\n'
                      b'        def inner():\n            pass\n        return inner\n', "shop.py")
    assert [(d.kind, d.name, d.parent, d.doc) for d in found.definitions] == [
        ("class", "Shop", "", "Sells."), ("method", "buy", "Shop", "Buys one.")]  # `inner` is the body's


def test_rust_go_and_javascript_definitions() -> None:
    rust = code.read(b"/// Doc.\npub fn f() {}\nimpl<T> Foo<T> {\n    fn g(&self) {}\n}\n", "a.rs")
    assert [(d.kind, d.name, d.parent, d.doc) for d in rust.definitions] == [
        ("function", "f", "", "Doc."), ("impl", "Foo", "", ""), ("method", "g", "Foo", "")]
    go = code.read(b"package m\n\n// F does.\nfunc F() {}\nfunc (r *R) M() {}\ntype T struct{}\n", "m.go")
    assert [(d.name, d.doc) for d in go.definitions] == [("F", "F does."), ("M", ""), ("T", "")]
    js = code.read(b"const k = 3;\nconst g = () => 1;\nexport default function bus() {\n"
                   b"  return { on() {}, emit() {} };\n}\n", "a.js")
    assert [(d.name, d.parent) for d in js.definitions] == [("g", ""), ("bus", ""), ("on", "bus"), ("emit", "bus")]


def test_a_language_without_a_grammar_is_read_by_the_marked_line_fallback() -> None:
    found = code.read(b"# Greets.\nsub hello {\n  print 1;\n}\n\nsub bye {\n}\n", "x.pl")
    assert found.reader == "lines"
    assert [(d.name, d.start, d.end, d.doc) for d in found.definitions] == [
        ("hello", 2, 4, "Greets."), ("bye", 6, 7, "")]


def test_references_are_the_names_a_file_uses() -> None:
    found = code.read(b"int main(void) { return lib_open(0) + lib_loop(0); }\n", "main.c", references=True)
    assert {"lib_open", "lib_loop"} <= set(found.references)
    assert "main" not in found.references  # a definition's own name is not a use



def test_every_language_with_a_grammar_reads_its_definitions_and_references() -> None:
    # One table of node kinds serves related grammars (JavaScript and TypeScript): a kind
    # one of them lacks must not make that language unreadable.
    from devlogd.pipeline.code_languages import LANGUAGES

    for extension in sorted(LANGUAGES):
        path = f"sample{extension}"
        if not code.has_grammar(path):
            continue
        found = code.read(b"x = 1\n", path, references=True)
        assert found.reader in {"tree-sitter", "lines"}, path
    found = code.read(b"export function onTap(event) { return emitter.emit(event); }\n", "page.js", references=True)
    assert [d.name for d in found.definitions] == ["onTap"] and "emitter" in found.references

# -- hostile files ------------------------------------------------------------------------


def test_a_binary_file_with_a_source_extension_is_not_read() -> None:
    found = code.read(b"\x7fELF\x00\x01" + bytes(range(256)) * 100, "tool.c")
    assert (found.reader, found.note, found.definitions) == ("skipped", "binary", [])


def test_a_five_megabyte_line_is_not_read() -> None:
    found = code.read(b"int x = " + b"1+" * 2_500_000 + b"1;\n", "big.c")
    assert (found.reader, found.note) == ("skipped", "too large to read")


def test_a_hundred_thousand_nested_braces_cost_no_stack() -> None:
    deep = b"void f(void) " + b"{" * 100_000 + b"}" * 100_000 + b"\nint g(void) { return 1; }\n"
    assert [d.name for d in code.read(deep, "deep.c").definitions][-1] == "g"
    assert code.read(b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\ndef g():\n    pass\n", "deep.py").definitions


def test_a_comment_line_of_thirty_thousand_spaces_reads_whole() -> None:
    padded = b"//" + b" " * 30_000 + b"x\nint f(void) { return 0; }\n"
    assert [d.name for d in code.read(padded, "pad.c").definitions] == ["f"]
    fallback = b"#" + b" " * 30_000 + b"x\nsub f {\n}\n"
    assert [d.name for d in code.read(fallback, "pad.pl").definitions] == ["f"]


# -- changed definitions and incremental reading --------------------------------------------


def _hunks(old: bytes, new: bytes) -> list[HunkLines]:
    """A zero-context unified diff's hunks, as git numbers them."""
    matcher = difflib.SequenceMatcher(None, old.split(b"\n"), new.split(b"\n"), autojunk=False)
    hunks = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag != "equal":
            hunks.append(HunkLines(a0 + 1 if a1 > a0 else a0, a1 - a0, b0 + 1 if b1 > b0 else b0, b1 - b0))
    return hunks


def test_a_changed_line_belongs_to_the_innermost_definition_that_holds_it() -> None:
    old = b"class A:\n    def f(self):\n        return 1\n\n    def g(self):\n        return 2\n"
    new = old.replace(b"return 2", b"return 3")
    changes = changed_definitions(code.read(old, "a.py"), code.read(new, "a.py"), _hunks(old, new))
    assert [d.name for d in changes.modified] == ["g"]
    assert changes.contexts == ["g"]


def test_a_renamed_function_with_the_same_body_is_a_move() -> None:
    old = b"def a():\n    return 1\n\ndef keep():\n    return 2\n"
    new = old.replace(b"def a()", b"def b()")
    changes = changed_definitions(code.read(old, "m.py"), code.read(new, "m.py"), _hunks(old, new))
    assert (changes.added, changes.removed) == ([], [])
    assert [(m.old_name, m.new_name) for m in changes.moved] == [("a", "b")]


def test_a_revision_reparsed_from_its_parent_reads_as_if_read_whole() -> None:
    old = HEADER
    new = HEADER.replace(b"  free(f->buf);\n", b"  free(f->buf);\n  f->buf = 0;\n").replace(
        b"int lib_loop", b"long lib_loop").replace(b"#ifndef LIB_H\n", b"#ifndef LIB_H\n#include <x.h>\n\n")
    cache = code.ReadCache()
    cache.get("old", "lib.h", lambda: old)
    edits = [(h.old_start, h.old_count, h.new_start, h.new_count) for h in _hunks(old, new)]
    incremental = cache.get("new", "lib.h", lambda: new, base="old", edits=edits)
    assert incremental == code.parse(new, "lib.h", detail=False).file


def test_a_definition_after_an_unclosed_brace_is_still_found() -> None:
    broken = b"static void\nload(void)\n{\n    if (!f) {\n        return;\n    parse(f);\n}\n\nstatic void\nlog_close(int fd)\n{\n    close(fd);\n}\n"
    found = code.read(broken, "drip.c")
    assert [(d.name, d.start, d.end) for d in found.definitions] == [("load", 1, 9), ("log_close", 10, 13)]
    assert found.note  # the file did not parse: said so


def test_garbage_in_a_c_file_is_read_within_a_budget() -> None:
    # tree-sitter's error recovery is slow on text that is not C; a time budget linear in
    # the size hands such a file to the line reader (bench/code_reader.py shows the times).
    garbage = b"x=1\n" * 10_000 + b"int f(void) {\n  return 0;\n}\n"
    assert [d.name for d in code.read(garbage, "g.c").definitions] == ["f"]
