from __future__ import annotations

import pytest

from devlogd.pipeline.redact import redact
from tests.secrets_corpus import NOT_SECRETS, SECRETS, secret_part


def test_corpus_has_at_least_25_formats() -> None:
    assert len(SECRETS) >= 25


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_secret_is_redacted(name: str) -> None:
    sample = SECRETS[name]
    secret = secret_part(sample)
    assert len(secret) >= 8, f"bad fixture for {name}: {secret!r}"
    out = redact(f"config line: {sample}\nmore text")
    assert secret not in out
    assert "[REDACTED:" in out
    assert out.endswith("more text") or name.endswith("private-key")


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_secret_in_a_diff_line_is_redacted(name: str) -> None:
    sample = SECRETS[name]
    lines = "\n".join("+" + line for line in sample.splitlines())
    assert secret_part(sample) not in redact(lines)


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_ordinary_code_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_private_key_cut_off_by_the_excerpt_is_still_redacted() -> None:
    text = "+-----BEGIN EC PRIVATE KEY-----\n+MHcCAQEEIIvS0mKqQ9yM0n6Bzd5\n+AwEHoUQDQgAE"
    assert "MHcCAQEE" not in redact(text)


def test_redaction_keeps_the_number_of_lines() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\nBBBB\n-----END RSA PRIVATE KEY-----"
    text = f"a\n{key}\nb"
    assert redact(text).count("\n") == text.count("\n")
