"""What a README's opening says the project is."""

from __future__ import annotations

from devlogd.story.identity import readme_heading, readme_summary


def test_the_summary_is_the_opening_prose_without_its_code_blocks() -> None:
    readme = ("# Drip: a slow banner for SSH scanners\n\n[![ci](https://x/badge.svg)](https://x)\n\n"
              "Drip keeps SSH scanners busy for hours by sending a banner one line at a time.\n"
              "```sh\nmake && ./drip -p 2222   # run it on a spare port\n```\n"
              "It needs nothing but a C compiler.\n\n## Install\n\nmake install\n")
    assert readme_heading(readme) == ("Drip", "a slow banner for SSH scanners")
    assert readme_summary(readme) == ("Drip keeps SSH scanners busy for hours by sending a banner one line at a time."
                                      "\n\nIt needs nothing but a C compiler.")
