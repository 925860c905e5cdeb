"""Fake secrets in the formats the redactor must catch. Built from pieces so that no
scanner mistakes this file for a leak; none of these is a real credential."""

from __future__ import annotations

A = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

SECRETS: dict[str, str] = {
    "aws-access-key": "AKIA" + "Z7Q2MXK4P9LBT3WH",
    "aws-secret-key": 'aws_secret_access_key = "' + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY" + '"',
    "github-token": "ghp_" + A[:36],
    "github-fine-grained": "github_pat_" + "11ABCDEFG0" + A[:40],
    "gitlab-token": "glpat-" + A[:20],
    "anthropic-key": "sk-ant-api03-" + A[:40] + "-AA",
    "openai-key": "sk-proj-" + A[10:50],
    "openai-legacy-key": "sk-" + A[5:53],
    "slack-bot-token": "xoxb-" + "123456789012-1234567890123-" + A[:24],
    "slack-webhook": "https://hooks.slack.com/services/" + "T0000AAAA/B0000BBBB/" + A[:24],
    "stripe-live-key": "sk_live_" + A[:24],
    "stripe-restricted-key": "rk_test_" + A[3:27],
    "stripe-webhook-secret": "whsec_" + A[:32],
    "google-api-key": "AIza" + "SyD" + A[:32],
    "google-oauth-token": "ya29." + A[:40],
    "google-client-secret": "GOCSPX-" + A[:28],
    "azure-storage-key": "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=" + (A * 2)[:86] + "==",
    "sendgrid-key": "SG." + A[:22] + "." + A[10:53],
    "twilio-key": "SK" + "0123456789abcdef" * 2,
    "npm-token": "npm_" + A[:36],
    "pypi-token": "pypi-AgEIcHlwaS5vcmc" + A[:50],
    "huggingface-token": "hf_" + A[:34],
    "digitalocean-token": "dop_v1_" + "0123456789abcdef" * 4,
    "shopify-token": "shpat_" + "0123456789abcdef" * 2,
    "mailgun-key": "key-" + "0123456789abcdef" * 2,
    "jwt": "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "bearer-token": "Authorization: Bearer " + A[20:60],
    "basic-auth": "Authorization: Basic " + "YWxhZGRpbjpvcGVuc2VzYW1lMTIzNDU2",
    "url-password": "postgres://admin:" + "Tr0ub4dor-3x" + "@db.internal:5432/app",
    "private-key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA" + A + "\n" + A + "\n-----END RSA PRIVATE KEY-----",
    "openssh-private-key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA" + A + "\n-----END OPENSSH PRIVATE KEY-----",
    "env-assignment": "DATABASE_PASSWORD=" + "correct-horse-battery",
    "quoted-password": 'password = "' + "hunter2hunter2" + '"',
    "json-api-key": '{"api_key": "' + "q8Zr2LmPx7Vt" + '"}',
    "yaml-client-secret": "client_secret: " + "V3ryS3cretValue99",
    "high-entropy-literal": 'SIGNING = "' + "Zx8Kq2LmP9vR4tY7uW1eS5dF3gH6jK0aQ" + '"',
}

# The secret part of a sample: what must never survive. Samples that wrap a secret in
# context ("password = ...") mark it after the last of these separators.
SEPARATORS = ('= "', "=", ": ", "Bearer ", "Basic ", "admin:", '"api_key": "')


def secret_part(sample: str) -> str:
    if sample.startswith("-----"):
        return sample.splitlines()[1]
    if "AccountKey=" in sample:
        return sample.split("AccountKey=")[1]
    if sample.startswith("postgres://"):
        return sample.split(":")[2].split("@")[0]
    if sample.startswith(("https://", "eyJ")) or "=" not in sample and ": " not in sample and " " not in sample:
        return sample
    cut = max((sample.rfind(sep) + len(sep)) for sep in SEPARATORS if sep in sample)
    return sample[cut:].strip('"}; ')


NOT_SECRETS = [
    "DEFAULT_PORT = 2222",
    "def handle_deleted_tweet(tweet):",
    "token = get_token()",
    "MAX_TOKENS = 4096",
    "password_hash = hash_password(password)",
    "Fix the token refresh race",
    "see https://example.com/docs/api",
    "sha 3f2a9c1 fixed it",
    "api_key: str",
    "PASSWORD=${DB_PASSWORD}",
]
