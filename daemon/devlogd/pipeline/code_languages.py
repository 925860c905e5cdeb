"""Which language a file is written in, and how each grammar spells a definition.

The one extension table of the project: ``pipeline.code`` reads files by it, and every
question of the form "is this source code, and in what language" is answered from here.
A language listed in LANGUAGES but not in SYNTAX is read by the line heuristics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp", ".ino": "cpp", ".cu": "cpp",
    ".rs": "rust", ".go": "go",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".java": "java", ".rb": "ruby", ".lua": "lua",
    ".sh": "bash", ".bash": "bash", ".zsh": "bash",
    ".kt": "kotlin", ".kts": "kotlin", ".scala": "scala", ".swift": "swift", ".zig": "zig",
    ".php": "php", ".cs": "csharp", ".m": "objc", ".mm": "objc", ".ex": "elixir", ".exs": "elixir",
    ".hs": "haskell", ".ml": "ocaml", ".clj": "clojure", ".el": "elisp", ".lisp": "lisp",
    ".pl": "perl", ".pm": "perl", ".r": "r", ".jl": "julia", ".dart": "dart", ".nim": "nim",
    ".v": "v", ".odin": "odin", ".gd": "gdscript", ".vue": "vue", ".svelte": "svelte",
    ".sql": "sql", ".ps1": "powershell", ".fish": "fish", ".tcl": "tcl", ".erl": "erlang",
    ".f90": "fortran", ".pas": "pascal", ".groovy": "groovy", ".cmake": "cmake", ".glsl": "glsl",
    ".wgsl": "wgsl", ".hlsl": "hlsl", ".sol": "solidity", ".asm": "asm", ".s": "asm",
}


@dataclass(frozen=True)
class Syntax:
    """How one grammar spells a definition."""

    grammar: str
    definitions: dict[str, str]  # node type -> kind
    references: frozenset[str] = frozenset({"identifier", "type_identifier", "field_identifier"})
    name_fields: dict[str, str] = field(default_factory=dict)  # node type -> the field holding its name
    named_by_child: dict[str, frozenset[str]] = field(default_factory=dict)  # no name field: the first such child
    values: dict[str, frozenset[str]] = field(default_factory=dict)  # a definition only with such a value
    docstrings: bool = False  # the first string of a body documents it (Python)
    nested: frozenset[str] = frozenset()  # definitions kept even inside a function (`return { on() {} }`)


_C = {
    "function_definition": "function", "declaration": "declaration", "preproc_function_def": "macro",
    "struct_specifier": "struct", "union_specifier": "struct", "enum_specifier": "enum", "type_definition": "type",
}
_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function", "generator_function"})
_JS = {
    "function_declaration": "function", "generator_function_declaration": "function", "class_declaration": "class",
    "method_definition": "function", "variable_declarator": "function", "class": "class",
}
_TS = {**_JS, "interface_declaration": "interface", "type_alias_declaration": "type", "enum_declaration": "enum",
       "abstract_class_declaration": "class", "function_signature": "function", "method_signature": "function",
       "abstract_method_signature": "function", "module": "module", "internal_module": "module"}
_JS_NESTED = frozenset({"method_definition"})  # a factory's returned object: `return { on() {}, emit() {} }`
_JS_REFERENCES = frozenset({"identifier", "property_identifier", "type_identifier"})

SYNTAX: dict[str, Syntax] = {
    "python": Syntax("python", {"function_definition": "function", "class_definition": "class"},
                     references=frozenset({"identifier"}), docstrings=True),
    "c": Syntax("c", _C),
    "cpp": Syntax("cpp", {**_C, "class_specifier": "class", "namespace_definition": "module"},
                  references=frozenset({"identifier", "type_identifier", "field_identifier", "namespace_identifier"})),
    "rust": Syntax("rust", {
        "function_item": "function", "function_signature_item": "function", "struct_item": "struct",
        "enum_item": "enum", "union_item": "struct", "trait_item": "trait", "impl_item": "impl", "mod_item": "module",
        "type_item": "type", "macro_definition": "macro"},
        name_fields={"impl_item": "type"}),
    "go": Syntax("go", {"function_declaration": "function", "method_declaration": "function", "type_spec": "type"},
                 references=frozenset({"identifier", "type_identifier", "field_identifier"})),
    "javascript": Syntax("javascript", _JS, references=_JS_REFERENCES, values={"variable_declarator": _FUNCTION_VALUES},
                         nested=_JS_NESTED),
    "typescript": Syntax("typescript", _TS, references=_JS_REFERENCES, values={"variable_declarator": _FUNCTION_VALUES},
                         nested=_JS_NESTED),
    "tsx": Syntax("tsx", _TS, references=_JS_REFERENCES, values={"variable_declarator": _FUNCTION_VALUES},
                  nested=_JS_NESTED),
    "java": Syntax("java", {
        "class_declaration": "class", "interface_declaration": "interface", "enum_declaration": "enum",
        "record_declaration": "class", "method_declaration": "function", "constructor_declaration": "function"}),
    "ruby": Syntax("ruby", {"method": "function", "singleton_method": "function", "class": "class", "module": "module"},
                   references=frozenset({"identifier", "constant"})),
    "lua": Syntax("lua", {"function_declaration": "function"}, references=frozenset({"identifier"})),
    "bash": Syntax("bash", {"function_definition": "function"}, references=frozenset({"command_name"})),
}
