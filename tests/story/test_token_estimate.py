"""The local token estimate against Anthropic's own tokenizer, on requests devlog built.

The reference counts were made offline with the tokenizer.json the anthropic Python SDK
shipped up to 0.37 (no tokenizer is needed to run this test); the requests are devlog's
dry runs of its own history and of a synthetic 3,000-change history (tests/synth.py).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from devlogd.story.narrators.claude import estimate_tokens

REFERENCE = Path(__file__).with_name("token_reference.json.gz")


def test_the_estimate_is_within_15_percent_of_the_real_count() -> None:
    reference = json.loads(gzip.decompress(REFERENCE.read_bytes()))
    for sample in reference["requests"]:
        estimate = estimate_tokens(sample["request"])
        off = estimate / sample["tokens"] - 1
        assert abs(off) <= 0.15, f"{sample['what']}: {estimate:,} estimated, {sample['tokens']:,} real ({off:+.0%})"
