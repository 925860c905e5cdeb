"""Values beside secret-like names: which are plainly not secrets, and how a file's syntax
decides whether an unquoted value is a literal (config) or an expression (code).

`password: ${DB_PASSWORD}` is a template, `access_token: str` a type, `token = get_token()`
code, `"%s:%s"` a format, `"1.3.6.1"` a version; `password = hunter2` in an INI file is a
literal, and `V3ryS3cret99` is spelled like a password wherever it stands.
"""

from __future__ import annotations

import re

from devlogd.pipeline.secret_rules import Profile, RuleSet, looks_generated, rule_set

_WORD = re.compile(r"[A-Za-z]{1,64}")
_EXPRESSION = re.compile(r"[A-Za-z_$][\w$]{0,127}(?:\.[A-Za-z_$][\w$]{0,127}){0,16}")
_TEMPLATE = re.compile(r"\$\{|\$\(|\{\{|\{%|<%|#\{|@\{|%\(|\$[A-Za-z_]|%[A-Za-z_][\w]{0,64}%|!(?:vault|secret|ref|env|sub|var)\b"
                       r"|<[A-Za-z_][\w .-]{0,64}>\Z")
_TYPE_SYNTAX = re.compile(r"[A-Za-z_][\w.]{0,64}(?:\[[\w\[\], .|]{0,128}\])?(?:[ \t]{0,2}\|[ \t]{0,2}None)?[,;)]?")
# A literal that names something: a word, an environment variable, a dotted or slashed path.
PLAIN_WORDY = re.compile(r"[A-Za-z_][A-Za-z_\-]{0,127}|[A-Za-z_][A-Za-z0-9_]{0,63}(?:[.\-/:][A-Za-z_][A-Za-z0-9_]{0,63}){1,16}")
_PROSE_SUFFIX = re.compile(r"[a-z]{2,64}(?:ing|ed|ly|tion|ment|able|ible|ness|ful|less|ous|ive)")
_FORMAT = re.compile(r"%[-#0-9.]{0,6}[sdrfxi]|\{[A-Za-z0-9_.:!]{0,32}\}")
_LEET = re.compile(r"[A-Za-z][0-9]{1,4}[A-Za-z]{1,64}[0-9]")  # V3ryS3cret99, hunt3r2
_FILE_NAME = re.compile(r"[.~/]?[\w./-]{0,200}\.[A-Za-z]{1,8}|[\w.-]{0,100}/[\w./-]{0,200}")
_DOTTED_NAME = re.compile(r"[A-Za-z_]{1,64}(?:\.[A-Za-z_]{1,64}){1,16}")
_DOTTED_NUMBER = re.compile(r"[\^~<>=v]{0,3}[0-9]{1,10}(?:\.[0-9x*]{1,10}){1,16}")  # 1.3.6.1, ^1.1.1


_CONFIG_SUFFIXES = frozenset(
    ".yaml .yml .ini .cfg .conf .config .toml .properties .env .netrc .npmrc .pypirc .json .xml "
    ".tf .tfvars .hcl .plist .htpasswd .pgpass .cnf .settings .secret .secrets .credentials "
    ".service .sh .bash .zsh .fish .ps1 .bat .cmd .mk .dockerfile .envrc .gradle .sbt .vars".split()
)
_PROSE_SUFFIXES = frozenset(".md .markdown .rst .txt .adoc .org .text .rtf .html .htm".split())
_PROSE_NAMES = frozenset("readme license licence changelog changes authors notice copying contributing "
                         "history news todo".split())
_CODE_SUFFIXES = frozenset(
    ".py .pyi .js .mjs .cjs .ts .tsx .jsx .go .rs .java .kt .kts .scala .rb .php .cs .c .h .cc "
    ".cpp .hpp .hh .m .mm .swift .dart .lua .pl .pm .r .jl .ex .exs .erl .clj .hs .ml .fs .vb "
    ".groovy .vue .svelte .sql .zig .nim .v .sol".split()
)


def profile_for(path: str | None) -> Profile:
    """How unquoted values read in a file: literals in config, expressions in code."""
    if not path:
        return "prose"
    name = path.rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    suffix = name[dot:] if dot > 0 else ""
    if suffix in _CODE_SUFFIXES:
        return "code"
    if suffix in _PROSE_SUFFIXES or name.split(".")[0] in _PROSE_NAMES:
        return "prose"
    if suffix in _CONFIG_SUFFIXES or name.startswith(".env") or not suffix:
        return "config"  # .env.local, netrc, credentials, Dockerfile, Makefile
    return "config"


def is_benign(value: str, quoted: bool, strength: str, profile: Profile, rules: RuleSet) -> bool:
    """Values beside a secret-like name that are plainly not a secret."""
    core = value.strip().rstrip(",;")
    if len(core) < 3 or core.startswith(("[REDACTED", "\\")) or placeholder(core, rules):
        return True  # short, already gone, an escape sequence ("Password:\n"), a stand-in
    if not quoted and profile == "code" and is_expression(core):
        # A variable, an attribute, a call; a name spelled like a password is not one.
        return (not looks_generated(core) and not _LEET.search(core)) or strength == "weak"
    if strength == "weak":
        return not looks_generated(core)
    if core.isdigit():
        return len(core) <= 5  # a port, a count, a size; a six-digit PIN is not
    if quoted:
        # A fragment or a format ("Basic ", "%s:%s", "{0}:{1}") or a version ("1.3.6.1").
        return value != value.strip() or is_format(core) or bool(_DOTTED_NUMBER.fullmatch(core)) \
            or (profile == "code" and bool(_DOTTED_NAME.fullmatch(core)))  # 'http.cookies'

    if _TYPE_SYNTAX.fullmatch(core) and _first_word(core) in rules.types:
        return True  # access_token: str, token: Optional[str]
    if profile == "config":
        return False
    if looks_generated(core):
        return False
    if profile == "code":
        return is_expression(core)
    # Prose, a commit message, a file name: code words and ordinary words stay.
    if is_expression(core) and any(mark in core for mark in "._(["):
        return True
    return prose_word(core, rules)


def is_placeholder(value: str) -> bool:
    """A template, a reference or a stand-in: `${DB_PASSWORD}`, `<token>`, `changeme`, `****`."""
    return placeholder(value, rule_set())


def placeholder(value: str, rules: RuleSet) -> bool:
    lowered = value.strip().lower()
    if lowered in rules.placeholders or _TEMPLATE.match(value.strip()):
        return True
    return len(set(lowered)) == 1 or set(lowered) <= set("*x.-_ ")  # ****, xxxx, ...


def is_format(value: str) -> bool:
    """A format string: "at least %d", '%s:%s', "{0}:{1}", f"Bearer {api_key}" (one
    placeholder alone in a word, as in "PX1f%rKr", does not make one)."""
    found = len(_FORMAT.findall(value))
    return found >= 2 or (found == 1 and (" " in value or _FORMAT.fullmatch(value) is not None
                                          or value.startswith("{") or value.endswith("}")))


def is_expression(value: str) -> bool:
    """`get_token()`, `config.password`, `os.environ["X"]`, `self.secret`: code, not data."""
    match = _EXPRESSION.match(value)
    if match is None:
        return False
    rest = value[match.end():]
    return not rest or rest[0] in "([" or not rest.strip("):;,")


def _first_word(value: str) -> str:
    match = _WORD.search(value)
    return match.group(0).lower() if match else ""


def prose_word(value: str, rules: RuleSet) -> bool:
    """An ordinary word after "password is": 'the password is now stored in the keyring'."""
    lowered = value.lower()
    if lowered in rules.prose or lowered in rules.placeholders:
        return True
    return value.islower() and value.isalpha() and bool(_PROSE_SUFFIX.fullmatch(value))


def credential_like(value: str) -> bool:
    """A literal argument that could be a password: one token, letters with digits or symbols,
    no escapes or patterns (`b"\\x00"`, `r"auth=(.*)"`, `"utf-8"` stay)."""
    if len(value) < 6 or any(c.isspace() or c == "\\" for c in value) or _FILE_NAME.fullmatch(value):
        return False
    if any(piece in value for piece in ("(.", ".*", "[^", "+)")) or is_format(value):
        return False
    letters = any(c.isalpha() for c in value)
    return letters and any(c.isdigit() or not c.isalnum() for c in value)


def password_like(value: str) -> bool:
    return any(c.isdigit() or not c.isalnum() for c in value) or any(c.isupper() for c in value[1:])
