"""The outline reads comments written by anyone who can commit: a comment padded with a long
run of blanks (30k spaces made the old pattern retry every split and never return) is read
in one pass, and still gives its words."""

from __future__ import annotations

from devlogd.story.outline import outline


def test_a_comment_padded_with_spaces_is_read_in_one_pass() -> None:
    pad = " " * 200_000
    text = (f"#{pad}Then\n"
            f"# Parse the config file.{pad}\n"
            "def parse():\n    pass\n\n"
            f"# Serve{pad}the clients. {pad}\n"
            "def serve():\n    pass\n")
    (item,) = outline([("app.py", text)])
    assert [(d.name, d.comment) for d in item.definitions] == [("parse", "Then Parse the config file."),
                                                                ("serve", "Serve the clients.")]
