from __future__ import annotations

import pytest

from devlogd.pipeline.extract import ScanLimits, message_texts, scan_line, scan_patch


@pytest.mark.parametrize(("line", "name"), [
    ("def handle_deleted_tweet(self, tweet):", "handle_deleted_tweet"),
    ("    async def fetch(url):", "fetch"),
    ("export function renderPost(post) {", "renderPost"),
    ("export const onSave = async (doc) => {", "onSave"),
    ("pub struct JournalWriter {", "JournalWriter"),
    ("func (s *Server) Serve(l net.Listener) error {", "Serve"),
    ("class RateLimiter(Base):", "RateLimiter"),
    ("interface DraftOptions {", "DraftOptions"),
    ("fn parse_header(buf: &[u8]) -> Header {", "parse_header"),
    ("install_hook() {", "install_hook"),
    ("function laura:update()", "update"),  # Lua's method, not its table
    ("  def self.load(path)", "load"),
])
def test_definitions(line: str, name: str) -> None:
    assert scan_line(line).definitions == [name]


@pytest.mark.parametrize(("line", "constant"), [
    ("DEFAULT_PORT = 2222", "DEFAULT_PORT = 2222"),
    ("MAX_RETRIES: int = 5", "MAX_RETRIES = 5"),
    ("#define BUF_SIZE 4096", "BUF_SIZE = 4096"),
    ("static const int MAX_LEN = 256;", "MAX_LEN = 256"),
    ("export const API_VERSION = \"v2\";", "API_VERSION = \"v2\""),
    ("TIMEOUT_MS = 30 * 1000  # thirty seconds", "TIMEOUT_MS = 30 * 1000"),
])
def test_constants(line: str, constant: str) -> None:
    assert scan_line(line).constants == [constant]


@pytest.mark.parametrize("line", ["x = 5", "if foo(x):", "return None", "    self.port = port",
                                  "module github.com/benhoyt/goawk", "    def __init__(self, out):"])  # go.mod names a path, not a definition
def test_ordinary_lines_find_nothing(line: str) -> None:
    found = scan_line(line)
    assert found.definitions == [] and found.constants == []


def test_numbers_and_identifiers_from_a_message() -> None:
    finds = message_texts(
        "Raise `max_frames` from 81 frames to 240 frames\n\n"
        "handle_deleted_tweet in bot/handlers.py now uses JournalWriter; 3x faster, 120ms p95, "
        "the hang lasted 30 seconds."
    )
    assert "from 81 frames to 240 frames" in finds.numbers
    assert {"81 frames", "3x", "120ms", "30 seconds"} <= set(finds.numbers)
    assert {"max_frames", "handle_deleted_tweet", "bot/handlers.py", "JournalWriter"} <= set(finds.identifiers)


def test_a_c_function_whose_signature_changed_is_found_on_both_sides() -> None:
    patch = ("\n@@ -1,3 +1,3 @@\n-static void\n-logmsg(int level, const char *fmt)\n-{\n"
             "+static void\n+logmsg(enum loglevel level, const char *fmt)\n+{\n")
    found = scan_patch(patch, ScanLimits(), path="endlessh.c")
    assert found.definitions == ["logmsg"] and found.removed == ["logmsg"]


def test_code_moved_within_a_file_is_not_the_excerpt_the_new_comments_are() -> None:
    moved = ["fn kill_me_if_parent_dies() -> nix::Result<()> {",
             "    let res = unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };",
             "    Errno::result(res).map(|_| ())", "}"]
    patch = ("\n@@ -10,4 +9,0 @@\n" + "".join(f"-{line}\n" for line in moved)
             + "@@ -40,0 +60,6 @@ fn main\n"
             + "+// === 2. Fork our process into a frozen child that stops itself with SIGSTOP,\n"
             + "+// so the parent can attach with ptrace before it runs another instruction.\n"
             + "+// The child wakes up later with a doctored return value in rax, telling it\n"
             + "+// which side of the fork it ended up on.\n"
             + "@@ -90,0 +100,4 @@\n" + "".join(f"+{line}\n" for line in moved))
    found = scan_patch(patch, ScanLimits(hunks_per_file=1), path="src/lib.rs")
    (hunk,) = found.hunks
    assert hunk.lines[0].startswith("+// === 2. Fork our process")


def test_a_state_change_outranks_a_plain_assignment() -> None:
    patch = ("\n@@ -100 +100 @@ pollvec_init(struct pollvec *v)\n"
             "+    size_t size = count;\n"
             "@@ -123,0 +124 @@ pollvec_push(struct pollvec *v, int fd, short events)\n+        v->cap *= 2;\n")
    found = scan_patch(patch, ScanLimits(hunks_per_file=1), path="endlessh.c")
    assert [h.lines for h in found.hunks] == [["+        v->cap *= 2;"]]


def test_a_hunk_header_names_no_function() -> None:
    # git's context line is the line *above* a hunk: the code reader names what holds it.
    patch = "\n@@ -10,1 +10,1 @@ The daemon calls gitread(repo) on start\n-old words\n+new words\n"
    assert scan_patch(patch, ScanLimits(), path="README.md").functions == []
    assert scan_patch(patch, ScanLimits(), path="src/main.c").functions == []


def test_a_whole_file_s_top_level_definitions_in_order() -> None:
    from devlogd.pipeline import code  # the one reader (this was extract's regex copy)

    c = "static long long\nuepoch(void)\n{\n    return 0;\n}\n\nstruct client {\n    int fd;\n};\n\nint\nmain(void)\n{\n}\n"
    assert [(d.start, d.name) for d in code.read(c, "endlessh.c").definitions] == [(1, "uepoch"), (7, "client"), (11, "main")]
    py = "class Journal:\n    def append(self):\n        pass\n\n\ndef read_records(path):\n    return []\n"
    assert [(d.start, d.name) for d in code.read(py, "journal.py").definitions if not d.parent] == [
        (1, "Journal"), (6, "read_records")]


def test_a_test_is_named_as_one() -> None:
    from devlogd.pipeline.extract import is_test_name

    tests = ["test_empty_header", "TestAWK", "parse_test", "ParseProgram_TEST", "HeaderTest", "_test_helper"]
    assert all(is_test_name(n) for n in tests)
    assert not any(is_test_name(n) for n in ["latest", "contest", "attest_signature", "parse_header", "main"])
