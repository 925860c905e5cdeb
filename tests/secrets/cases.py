"""A red team's corpus of secrets: formats, the contexts they are written in, and the
structural ways a diff can carry them.

Every value is synthetic, generated from a seeded random source (so no scanner mistakes
this file for a leak, and no value collides with another case's). Each case is one commit
of a real repository (sometimes after a `before` commit that sets it up); `secrets` are
the values that must not appear, in whole or in part, on any surface devlog writes or
sends. Add a case whenever a new format or context is found to leak.
"""

from __future__ import annotations

import base64
import random
import string
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["format", "context", "structural", "source"]


@dataclass(frozen=True)
class Case:
    id: str
    kind: Kind
    files: dict[str, str]
    secrets: tuple[str, ...]
    message: str = ""
    before: dict[str, str] = field(default_factory=dict)  # committed first, on its own
    rename: tuple[str, str] | None = None  # (old, new), done with `git mv` in this commit
    # Where else the material reads from: the remote's URL, a tag on this commit, the branch
    # it is made on, its author's name, and a note the author adds after it.
    remote: str = ""
    tag: str = ""
    branch: str = ""
    author: str = ""
    note: str = ""

    @property
    def subject(self) -> str:
        return self.message or f"Wire up the {self.id.replace('-', ' ')} settings"


class Gen:
    """Deterministic random values in the alphabets real credentials use."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)

    def pick(self, alphabet: str, size: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(size))

    def alnum(self, size: int) -> str:
        # Every class present, as in a real generated key (and never a dictionary word).
        body = self.pick(string.ascii_letters + string.digits, size - 3)
        return body[:2] + self.pick(string.ascii_uppercase, 1) + self.pick(string.digits, 1) \
            + self.pick(string.ascii_lowercase, 1) + body[2:]

    def hex(self, size: int) -> str:
        return self.pick("0123456789abcdef", size)

    def upper(self, size: int) -> str:
        return self.pick(string.ascii_uppercase + string.digits, size)

    def lower(self, size: int) -> str:
        return self.pick("bcdfghjklmnpqrstvwxz", size)  # letters only, and no English word

    def digits(self, size: int) -> str:
        return self.pick("123456789", 1) + self.pick(string.digits, size - 1)

    def b64(self, size: int) -> str:
        return self.alnum(size - 2)[: size // 2] + self.pick("+/", 1) + self.alnum(size)[: size - size // 2 - 1]

    def password(self, size: int = 14) -> str:
        return self.alnum(size - 2) + self.pick("!#%*-_.~", 1) + self.pick(string.digits, 1)


def _pem(gen: Gen, title: str, lines: int = 6, width: int = 64) -> tuple[str, list[str]]:
    body = [gen.b64(width) for _ in range(lines)] + [gen.b64(24) + "=="]
    text = f"-----BEGIN {title}-----\n" + "\n".join(body) + f"\n-----END {title}-----\n"
    return text, body


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _formats() -> list[Case]:
    out: list[Case] = []

    def add(case_id: str, files: dict[str, str], *secrets: str, message: str = "") -> None:
        out.append(Case(case_id, "format", files, secrets, message))

    g = Gen("aws")
    key, secret = "AKIA" + g.upper(16), g.b64(40)
    add("aws-keys-in-code", {"infra/deploy.py": f'client = boto3.client("s3", aws_access_key_id="{key}",\n'
                                               f'                      aws_secret_access_key="{secret}")\n'}, key, secret)
    g = Gen("aws-ini")
    key, secret = "AKIA" + g.upper(16), g.b64(40)
    add("aws-profile-ini", {"ops/aws_profile.cfg": f"[default]\naws_access_key_id = {key}\n"
                                                   f"aws_secret_access_key = {secret}\nregion = eu-west-1\n"}, key, secret)
    g = Gen("ghp")
    token = "ghp_" + g.alnum(36)
    add("github-classic-token", {"scripts/release.sh": f"GITHUB_TOKEN={token} gh release create v1.2.0\n"}, token)
    token = "github_pat_" + g.alnum(22) + "_" + g.alnum(59)
    add("github-fine-grained-token", {".github/workflows/sync.yml": f"jobs:\n  sync:\n    with:\n      token: {token}\n"}, token)
    token = "glpat-" + Gen("glpat").alnum(20)
    add("gitlab-token", {"ci/gitlab_sync.py": f'gl = gitlab.Gitlab(url, private_token="{token}")\n'}, token)
    token = "sk-ant-api03-" + Gen("ant").alnum(93) + "AA"
    add("anthropic-key", {"app/llm.py": f'client = anthropic.Anthropic(api_key="{token}")\n'}, token)
    token = "sk-proj-" + Gen("oai").alnum(64)
    add("openai-project-key", {"notebooks/explore.py": f'openai.api_key = "{token}"\n'}, token)
    token = "hf_" + Gen("hf").alnum(34)
    add("huggingface-token", {"train.py": f'login(token="{token}")\n'}, token)
    token = "gsk_" + Gen("groq").alnum(52)
    add("groq-key", {"ai/providers.py": f'chat = Groq("{token}")\n'}, token)
    g = Gen("slack")
    token = f"xoxb-{g.digits(12)}-{g.digits(13)}-{g.alnum(24)}"
    add("slack-bot-token", {"bot/config.json": f'{{"slack_bot": "{token}", "channel": "#ops"}}\n'}, token)
    hook = g.alnum(24)
    add("slack-webhook", {"alerts.py": f'WEBHOOK = "https://hooks.slack.com/services/T{g.upper(8)}/B{g.upper(10)}/{hook}"\n'}, hook)
    token = "sk_live_" + Gen("stripe").alnum(24)
    add("stripe-live-key", {"billing/settings.py": f'stripe.api_key = "{token}"\n'}, token)
    token = "whsec_" + Gen("whsec").alnum(32)
    add("stripe-webhook-secret", {"billing/webhooks.py": f"handler = Handler('{token}')\n"}, token)
    token = "AIza" + Gen("gapi").alnum(35)
    add("google-api-key", {"web/maps.js": f'const MAPS = "{token}";\n'}, token)
    token = "ya29." + Gen("ya29").alnum(80)
    add("google-oauth-token", {"scripts/fetch.sh": f'curl -H "Authorization: Bearer {token}" https://www.googleapis.com/drive/v3/files\n'}, token)
    token = "GOCSPX-" + Gen("gocspx").alnum(28)
    add("google-client-secret", {"auth/client.json": '{"web": {"client_id": "1234-abc.apps.googleusercontent.com", '
                                                     f'"client_secret": "{token}"}}}}\n'}, token)
    token = "1//0" + Gen("refresh").alnum(60)
    add("google-refresh-token", {"tools/gdrive.py": f'creds = Credentials(None, refresh_token="{token}")\n'}, token)
    key = Gen("azure").b64(86) + "=="
    add("azure-storage-connection", {"appsettings.json": '{"Storage": "DefaultEndpointsProtocol=https;AccountName=acct;'
                                                         f'AccountKey={key};EndpointSuffix=core.windows.net"}}\n'}, key)
    g = Gen("aad")
    token = g.alnum(3) + "8Q~" + g.alnum(34)
    add("azure-ad-client-secret", {"settings.py": f'AZURE_APP = {{"tenant": "contoso", "value": "{token}"}}\n'}, token)
    g = Gen("sas")
    sig = g.alnum(43) + "%3D"
    add("azure-sas-url", {"backup.py": f'URL = "https://acct.blob.core.windows.net/b?sv=2022-11-02&ss=b&sig={sig}"\n'}, sig)
    g = Gen("sendgrid")
    token = f"SG.{g.alnum(22)}.{g.alnum(43)}"
    add("sendgrid-key", {"mail.py": f'sg = SendGridAPIClient("{token}")\n'}, token)
    g = Gen("twilio")
    sid, auth = "AC" + g.hex(32), g.hex(32)
    add("twilio-auth-token", {"sms.py": f'client = Client("{sid}", "{auth}")\n'}, auth, sid)
    token = "SK" + Gen("twsk").hex(32)
    add("twilio-api-key", {"notify.py": f'twilio_key_sid = "{token}"\n'}, token)
    token = "npm_" + Gen("npm").alnum(36)
    add("npm-token", {".github/workflows/publish.yml": f"env:\n  NODE_AUTH_TOKEN: {token}\n"}, token)
    token = "pypi-AgEIcHlwaS5vcmc" + Gen("pypi").alnum(70)
    add("pypi-token", {"release/upload.sh": f"twine upload -u __token__ -p {token} dist/*\n"}, token)
    token = "dop_v1_" + Gen("do").hex(64)
    add("digitalocean-token", {"deploy/do.py": f'manager = Manager(token="{token}")\n'}, token)
    token = "shpss_" + Gen("shop").hex(32)
    add("shopify-secret", {"shop/sync.rb": f'ShopifyAPI::Context.setup(api_key: "k", api_secret_key: "{token}")\n'}, token)
    token = "key-" + Gen("mg").hex(32)
    add("mailgun-key", {"mailer.py": f'requests.post(url, auth=("api", "{token}"))\n'}, token)
    g = Gen("mg2")
    token = f"{g.hex(32)}-{g.hex(8)}-{g.hex(8)}"
    add("mailgun-new-style-key", {"mailer_v2.py": f'MAILGUN = "{token}"\n'}, token)
    g = Gen("jwt")
    token = "eyJhbGciOiJIUzI1NiJ9." + "eyJ" + g.alnum(40) + "." + g.alnum(43)
    add("jwt-session", {"api/test_client.py": f'HEADERS = {{"Cookie": "session={token}"}}\n'}, token)
    g = Gen("tg")
    token = f"{g.digits(10)}:AA{g.alnum(33)}"
    add("telegram-bot-token", {"bot/main.py": f'updater = Updater("{token}")\n'}, token)
    token = "dapi" + Gen("dbx").hex(32)
    add("databricks-token", {"jobs/etl.py": f'w = WorkspaceClient(host=HOST, token="{token}")\n'}, token)
    token = "hvs." + Gen("vault").alnum(90)
    add("vault-token", {"deploy/vault.sh": f"vault login {token}\n"}, token)
    g = Gen("discord")
    token = "O" + g.alnum(25) + "." + g.alnum(6) + "." + g.alnum(38)
    add("discord-bot-token", {"bot/discord_bot.py": f'client.run("{token}")\n'}, token)
    g = Gen("dhook")
    token = g.alnum(68)
    add("discord-webhook", {"hooks.py": f'URL = "https://discord.com/api/webhooks/{g.digits(18)}/{token}"\n'}, token)
    token = "dckr_pat_" + Gen("docker").alnum(27)
    add("docker-hub-token", {"ci/docker.sh": f"echo {token} | docker login -u builder --password-stdin\n"}, token)
    token = "lin_api_" + Gen("linear").alnum(40)
    add("linear-key", {"tools/linear.ts": f'const linear = new LinearClient({{ apiKey: "{token}" }});\n'}, token)
    token = "sntryu_" + Gen("sentry").hex(64)
    add("sentry-token", {"ops/sentry.sh": f"sentry-cli --auth-token {token} releases new 1.2\n"}, token)
    token = "dp.pt." + Gen("doppler").alnum(43)
    add("doppler-token", {"run.sh": f'doppler run --token "{token}" -- ./server\n'}, token)
    token = "pscale_pw_" + Gen("pscale").alnum(43)
    add("planetscale-password", {"db.py": f'conn = connect(host=HOST, user="app", passwd="{token}")\n'}, token)
    token = "EAAA" + Gen("square").alnum(60)
    add("square-token", {"payments.js": f"const square = new Client({{ accessToken: '{token}' }});\n"}, token)
    token = "NRAK-" + Gen("nr").upper(27)
    add("newrelic-key", {"monitor.py": f'NEWRELIC = "{token}"\n'}, token)
    token = "glsa_" + Gen("grafana").alnum(32) + "_" + Gen("grafana2").hex(8)
    add("grafana-token", {"grafana.tf": f'provider "grafana" {{\n  auth = "{token}"\n}}\n'}, token)
    token = "tskey-auth-" + Gen("ts").alnum(40)
    add("tailscale-key", {"vpn/up.sh": f"tailscale up --authkey {token}\n"}, token)
    token = "EAAC" + Gen("fb").alnum(120)
    add("facebook-token", {"social.py": f'GRAPH = "{token}"\n'}, token)
    token = "pul-" + Gen("pulumi").hex(40)
    add("pulumi-token", {"Pulumi.prod.yaml": f"config:\n  backend: {token}\n"}, token)
    token = "AGE-SECRET-KEY-1" + Gen("age").upper(58)
    add("age-key", {"docs/backups.md": f"Restore with this identity:\n\n    {token}\n"}, token)
    return out


def _contexts() -> list[Case]:
    out: list[Case] = []

    def add(case_id: str, files: dict[str, str], *secrets: str, message: str = "") -> None:
        out.append(Case(case_id, "context", files, secrets, message))

    g = Gen("yaml-letters")
    pw = g.lower(14)
    add("yaml-unquoted-letters", {"config/database.yml": f"production:\n  adapter: postgresql\n  password: {pw}\n"}, pw)
    pw = Gen("ini-letters").lower(12)
    add("ini-unquoted-letters", {"conf/app.ini": f"[db]\nuser = app\npassword = {pw}\n"}, pw)
    pw = Gen("toml").password()
    add("toml-quoted-password", {"config/prod.toml": f'[smtp]\nhost = "smtp.example.com"\npassword = "{pw}"\n'}, pw)
    key = Gen("json").alnum(32)
    add("json-api-key", {"config/services.json": f'{{"maps": {{"api_key": "{key}", "zoom": 3}}}}\n'}, key)
    pw = Gen("xml").password()
    add("xml-element", {"config/settings.xml": f"<servers>\n  <server>\n    <id>releases</id>\n    <username>deploy</username>\n"
                                               f"    <password>{pw}</password>\n  </server>\n</servers>\n"}, pw)
    pw = Gen("dotnet").password()
    add("dotnet-connection-string", {"appsettings.Production.json": '{"ConnectionStrings": {"Default": "Server=tcp:db.example.net,1433;'
                                                                    f'Database=app;User ID=app;Password={pw};Encrypt=True;"}}}}\n'}, pw)
    pw = Gen("nuget").password()
    add("nuget-config", {"NuGet.Config": f'<packageSourceCredentials>\n  <feed>\n    <add key="Username" value="ci" />\n'
                                         f'    <add key="ClearTextPassword" value="{pw}" />\n  </feed>\n</packageSourceCredentials>\n'}, pw)
    pw = Gen("odbc").password()
    add("odbc-braces", {"etl/odbc.ini": f"[warehouse]\nDriver=ODBC Driver 18\nConnStr=DSN=wh;UID=etl;PWD={{{pw}}};\n"}, pw)
    pw = Gen("netrc1").password()
    add("netrc-syntax-one-line", {"deploy/auth.conf": f"machine registry.example.com login ci password {pw}\n"}, pw)
    pw = Gen("netrc2").lower(16)
    add("netrc-syntax-multiline", {"tools/machines.txt": f"machine api.example.com\n  login bot\n  password {pw}\n"}, pw)
    pw = Gen("curl-u").password()
    add("curl-user-password", {"scripts/health.sh": f"curl -fsS -u admin:{pw} https://status.example.com/health\n"}, pw)
    token = Gen("curl-h").alnum(40)
    add("curl-authorization-header", {"scripts/deploy.sh": f'curl -X POST -H "Authorization: Bearer {token}" https://ci.example.com/hooks\n'}, token)
    pw = Gen("wget").password()
    add("wget-password-flag", {"scripts/mirror.sh": f"wget --user=mirror --password {pw} ftp://files.example.com/pub/\n"}, pw)
    pw = Gen("mysql").password()
    add("mysql-p-flag", {"Makefile": f"seed:\n\tmysql -u root -p{pw} app < schema.sql\n"}, pw)
    pw = Gen("redis").password()
    add("redis-url-empty-user", {"config/cache.yml": f"cache:\n  url: redis://:{pw}@cache.internal:6379/0\n"}, pw)
    pw = Gen("pg").password()
    add("postgres-url", {"docker-compose.yml": f"services:\n  web:\n    environment:\n      DATABASE_URL: postgres://app:{pw}@db:5432/app\n"}, pw)
    pw = Gen("mongo").password()
    add("mongodb-srv-url", {"server/db.js": f'mongoose.connect("mongodb+srv://app:{pw}@cluster0.ab1cd.mongodb.net/prod");\n'}, pw)
    token = Gen("xat").alnum(36)
    add("token-in-clone-url", {"ci/clone.sh": f"git clone https://x-access-token:{token}@github.com/acme/app.git\n"}, token)
    g = Gen("k8s")
    pw, key = g.password(), g.alnum(32)
    add("kubernetes-secret-data", {"k8s/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n"
                                                     f"  username: {_b64('admin')}\n  password: {_b64(pw)}\n  api-key: {_b64(key)}\n"},
        pw, key, _b64(pw), _b64(key))
    g = Gen("k8s-string")
    url, smtp = f"postgres://app:{g.password()}@db/app", g.password()
    add("kubernetes-secret-stringdata", {"k8s/app-secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web\nstringData:\n"
                                                                f"  DATABASE_URL: {url}\n  SMTP_RELAY: {smtp}\n"}, url.split(":")[2].split("@")[0], smtp)
    pw = Gen("compose").password()
    add("compose-environment-list", {"docker-compose.override.yml": f"services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD={pw}\n"}, pw)
    pw = Gen("requests").password()
    add("requests-auth-tuple", {"client.py": f'resp = requests.get(url, auth=("admin", "{pw}"))\n'}, pw)
    pw = Gen("spring").password()
    add("spring-properties", {"src/main/resources/application.properties": f"spring.datasource.url=jdbc:postgresql://db/app\n"
                                                                           f"spring.datasource.password={pw}\n"}, pw)
    pw = Gen("tf").password()
    add("terraform-password", {"infra/main.tf": f'resource "aws_db_instance" "db" {{\n  username = "app"\n  password = "{pw}"\n}}\n'}, pw)
    token = Gen("export").alnum(32)
    add("shell-export", {"scripts/env.sh": f"export STRIPE_SECRET={token}\n"}, token)
    pw = Gen("docker").password()
    add("dockerfile-env", {"Dockerfile": f"FROM python:3.12\nENV ADMIN_PASSWORD={pw}\n"}, pw)
    pw = Gen("php").password()
    add("php-array", {"config/database.php": f"return [\n    'username' => 'app',\n    'password' => '{pw}',\n];\n"}, pw)
    token = Gen("ts").alnum(40)
    add("typescript-object", {"src/config.ts": f'export const auth = {{ clientSecret: "{token}" }};\n'}, token)
    token = Gen("go").alnum(32)
    add("go-const", {"internal/api/keys.go": f'package api\n\nconst apiKey = "{token}"\n'}, token)
    pw = Gen("psycopg").password()
    add("python-keyword-argument", {"db.py": f'conn = psycopg2.connect(host="db", user="app", password="{pw}")\n'}, pw)
    pw = Gen("java").password()
    add("java-constant", {"src/Config.java": f'class Config {{\n  private static final String DB_PASSWORD = "{pw}";\n}}\n'}, pw)
    token = Gen("csharp").alnum(40)
    add("csharp-property", {"Startup.cs": f'options.ClientSecret = "{token}";\n'}, token)
    pw = Gen("ps1").password()
    add("powershell-securestring", {"deploy.ps1": f'$password = ConvertTo-SecureString "{pw}" -AsPlainText -Force\n'}, pw)
    pw = Gen("sql").password()
    add("sql-create-user", {"migrations/002_users.sql": f"CREATE USER app WITH PASSWORD '{pw}';\n"}, pw)
    pw = Gen("ansible").password()
    add("ansible-become-pass", {"group_vars/all.yml": f"ansible_user: deploy\nansible_become_pass: {pw}\n"}, pw)
    pw = Gen("docker-login").password()
    add("docker-login-flags", {"ci.sh": f"docker login -u ci -p {pw} registry.example.com\n"}, pw)
    creds = _b64(f"svc:{Gen('basic').password()}")
    add("authorization-basic", {"api/client.rb": f'req["Authorization"] = "Basic {creds}"\n'}, creds)
    token = Gen("xapikey").alnum(32)
    add("x-api-key-header", {"integrations/weather.py": f'headers = {{"X-API-Key": "{token}"}}\n'}, token)
    pw = Gen("runtime").password()
    add("env-style-in-conf", {"config/runtime.conf": f"SMTP_HOST=mail.example.com\nSMTP_PASSWORD={pw}\n"}, pw)
    pw = Gen("prose1").password()
    add("prose-password-in-message", {"deploy/staging.md": "Staging now runs on the new cluster.\n"}, pw,
        message=f"Move staging to the new cluster\n\nThe staging DB password is now {pw} until it moves to the vault.")
    pw = Gen("prose2").lower(11)
    add("prose-colon-password-in-message", {"mail/relay.md": "Relay notes.\n"}, pw,
        message=f"Configure the SMTP relay\n\npassword: {pw} (temporary, rotate after launch)")
    pw = Gen("prose3").password()
    add("prose-changed-to-in-message", {"ops/notes.md": "Ops notes.\n"}, pw,
        message=f"Rotate admin credentials\n\nChanged the admin password to {pw} after the audit.")
    token = Gen("prose4").alnum(40)
    add("token-pasted-in-message", {"ci/runner.md": "Runner notes.\n"}, token,
        message=f"Fix the CI runner\n\nIt works with token {token} for now.")
    return out


def _structural() -> list[Case]:
    out: list[Case] = []

    def add(case: Case) -> None:
        out.append(case)

    g = Gen("straddle")
    token = "ghp_" + g.alnum(36)
    # A diff line is cut at 161 characters (with its "+"): the token starts 15 before.
    line = "var cfg={" + ",".join(f'"opt{i}":{i}' for i in range(9)) + ',"k":"'
    line += "x" * (139 - len(line)) + '","t":"' + token + '"};\n'
    add(Case("token-straddles-the-line-cut", "structural", {"web/static/app.js": line}, (token,)))
    pw = g.password(18)
    line = '{"region":"eu-west-1",' + ",".join(f'"f{i}":{i * 7}' for i in range(9)) + ',"name":"'
    line += "y" * (140 - len(line)) + '","pw":"' + pw + '"}\n'
    add(Case("password-straddles-the-line-cut", "structural", {"config/minified.json": line}, (pw,)))
    token = "sk_live_" + g.alnum(30)
    line = "x = [" + ", ".join(f'"{i:04d}"' for i in range(126)) + ', "'
    line = line[:1012] + '"' + token + '"]\n'
    add(Case("token-straddles-the-read-bound", "structural", {"data/ids.py": line}, (token,)))
    token = "ghp_" + Gen("file-name").alnum(36)
    add(Case("token-as-a-file-name", "structural", {f"keys/{token}.txt": "rotated\n"}, (token,)))
    key = "AKIA" + Gen("rename-src").upper(16)
    add(Case("secret-in-a-rename-source", "structural", {}, (key,), before={f"tmp/{key}.json": '{"region": "eu"}\n'},
             rename=(f"tmp/{key}.json", "tmp/aws.json")))
    token = "sk_live_" + Gen("rename-dst").alnum(24)
    add(Case("secret-in-a-rename-target", "structural", {}, (token,), before={"notes/todo-keys.md": "keys\n"},
             rename=("notes/todo-keys.md", f"notes/{token}.md")))
    g = Gen("rotate-pem")
    old, old_body = _pem(g, "RSA PRIVATE KEY")
    new_body = [old_body[0]] + [g.b64(64) for _ in range(5)] + [g.b64(24) + "=="]
    new = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(new_body) + "\n-----END RSA PRIVATE KEY-----\n"
    add(Case("rotated-pem-body-without-begin", "structural", {"config/tls.conf": new}, tuple(old_body + new_body[1:]),
             before={"config/tls.conf": old}))
    g = Gen("rotate-ssh")
    old, old_body = _pem(g, "OPENSSH PRIVATE KEY", 5, 70)
    new_body = [g.b64(70) for _ in range(5)] + [g.b64(20) + "=="]
    new = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(new_body) + "\n-----END OPENSSH PRIVATE KEY-----\n"
    add(Case("rotated-openssh-body-without-begin", "structural", {"provision/deploy_identity.conf": new},
             tuple(old_body + new_body), before={"provision/deploy_identity.conf": old}))
    g = Gen("putty")
    public = [g.b64(64) for _ in range(2)]
    private = [g.b64(64) for _ in range(3)] + [g.b64(20)]
    mac = g.hex(64)
    putty = ("PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n" + "\n".join(public)
             + "\nPrivate-Lines: 4\n" + "\n".join(private) + f"\nPrivate-MAC: {mac}\n")
    add(Case("putty-key-in-a-doc", "structural", {"docs/server-access.txt": putty}, (*private, mac)))
    g = Gen("pgp")
    body = [g.b64(64) for _ in range(4)] + ["=" + g.alnum(4)]
    pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + "\n".join(body) + "\n-----END PGP PRIVATE KEY BLOCK-----\n"
    add(Case("pgp-key-block", "structural", {"signing/release-key.asc.txt": pgp}, tuple(body[:4])))
    g = Gen("env-constants")
    pin, salt, secret = g.digits(8), g.alnum(24), g.password()
    env = f'ADMIN_PIN = {pin}\nSIGNING_SALT = "{salt}"\nAPI_SECRET="{secret}"\nMAX_WORKERS = 4\n'
    add(Case("env-file-constants-and-numbers", "structural", {".env.production": env}, (pin, salt, secret)))
    g = Gen("env-sub")
    secret = g.alnum(40)
    add(Case("env-file-in-a-subfolder", "structural", {"services/api/.env.local": f"JWT_SECRET='{secret}'\nPORT=8080\n"}, (secret,)))
    g = Gen("msg-key")
    key, body = _pem(g, "OPENSSH PRIVATE KEY", 3, 70)
    add(Case("private-key-pasted-in-a-message", "structural", {"ops/access.md": "Access notes.\n"}, tuple(body),
             message=f"Give the deploy box access\n\nUse this key:\n{key}"))
    g = Gen("k8s-rotate")
    old_pw, new_pw = g.password(), g.password()
    manifest = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  user: {u}\n  password: {p}\n"
    add(Case("kubernetes-secret-value-rotated", "structural",
             {"k8s/db-secret.yaml": manifest.format(u=_b64("app"), p=_b64(new_pw))}, (new_pw, _b64(new_pw), old_pw, _b64(old_pw)),
             before={"k8s/db-secret.yaml": manifest.format(u=_b64("app"), p=_b64(old_pw))}))
    g = Gen("many")
    tokens = ("xoxp-" + g.digits(12) + "-" + g.digits(12) + "-" + g.digits(12) + "-" + g.hex(32), "npm_" + g.alnum(36),
              "ghs_" + g.alnum(36))
    config = "{" + ", ".join(f'"service{i}": "{t}"' for i, t in enumerate(tokens)) + "}\n"
    add(Case("several-tokens-on-one-line", "structural", {"deploy/tokens.json": config}, tokens))
    return out


def _sources() -> list[Case]:
    """The sources the material reads besides diffs and messages: the remote URL, the README's
    prose, comments and docstrings, notes, tags, branches, author names and manifests."""
    out: list[Case] = []
    g = Gen("remote-url")
    token = "glpat-" + g.alnum(20)
    out.append(Case("remote-url-credentials", "source", {"app/remote.py": "def push():\n    return 1\n"}, (token,),
                    remote=f"https://oauth2:{token}@gitlab.example.com/acme/{token}.git"))
    pw = Gen("readme-login").password()
    out.append(Case("readme-default-login", "source", {"README.md": "# service\n\nA small service that answers "
                    f"health checks for the shop.\n\nThe default login is admin / {pw} until you change it.\n"},
                    (pw,), message="Document the first start"))
    g = Gen("docstring")
    key_id, secret = "AKIA" + g.upper(16), g.b64(40)
    out.append(Case("docstring-secret-beside-key-id", "source", {"app/upload.py": 'def upload(path):\n    """Send '
                    f'the file to the bucket as {key_id} (its secret is {secret}).\n    """\n    return path\n'},
                    (secret,)))
    pw = Gen("sql-comment").password()
    out.append(Case("sql-comment-password", "source", {"db/roles.sql": "CREATE ROLE reporting LOGIN;\n"
                    f"-- the reporting role's password is {pw} (set by hand on the server)\n"}, (pw,)))
    pw = Gen("note").password()
    out.append(Case("note-password", "source", {"app/staging.py": "STAGING = True\n"}, (pw,),
                    note=f"the staging password is now {pw}, rotated after the demo"))
    token = "ghp_" + Gen("tag").alnum(36)
    out.append(Case("tag-token", "source", {"app/release.py": "VERSION = 2\n"}, (token,), tag=f"release-{token}"))
    token = "ghp_" + Gen("branch").alnum(36)
    out.append(Case("branch-token", "source", {"app/fix.py": "FIXED = True\n"}, (token,), branch=f"fix/{token}"))
    token = "xoxb-" + Gen("author").digits(12) + "-" + Gen("author2").digits(12) + "-" + Gen("author3").alnum(24)
    out.append(Case("author-name-token", "source", {"app/bot.py": "BOT = 1\n"}, (token,), author=f"bot {token}"))
    token = "ghp_" + Gen("requirements").alnum(36)
    out.append(Case("requirements-token-line", "source", {"requirements.txt": f"requests==2.31.0\n{token}\n"},
                    (token,), message="Pin the HTTP client"))
    return out


CASES: tuple[Case, ...] = (*_formats(), *_contexts(), *_structural(), *_sources())

# Ordinary code, config and prose that must come out of redaction unchanged.
NOT_SECRETS: tuple[str, ...] = (
    "access_token: str",
    "def refresh_token(self, token: str) -> str:",
    'password = form.cleaned_data["password"]',
    'token = request.headers.get("Authorization")',
    "if not api_key:",
    'api_key = os.environ["API_KEY"]',
    "secret = secrets.token_hex(16)",
    "MAX_TOKENS = 4096",
    "token_budget: int = 24_000",
    "password_min_length = 12",
    "csrf_token = get_token(request)",
    "self.session_key = None",
    "key = cache_key(user.id)",
    "for key, value in items.items():",
    'TOKEN_URL = "https://oauth2.googleapis.com/token"',
    "password: ${DB_PASSWORD}",
    'api_key: "<your-api-key>"',
    "secret_name: prod/db",
    "tokens_used += len(chunk)",
    '"password": "********"',
    "git push -u origin main",
    "mkdir -p build/out",
    "auth: true",
    "auth = HTTPBasicAuth(user, password)",
    "Authorization: Bearer ${TOKEN}",
    'curl -u "$USER:$PASS" https://example.com',
    "postgres://app:${DB_PASSWORD}@db/app",
    'sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
    'import { getToken } from "./auth";',
    'const passwordInput = document.querySelector("#password");',
    '<input type="password" name="password">',
    "The token refresh race is fixed",
    "Fix password reset flow",
    "Rename password to passphrase",
    "Add an API key setting to the config page",
    "Handle expired tokens",
    "auth: fix login redirect",
    "password is required",
    "token is now stored in the keyring",
    "    pass",
    'key = "name"',
    "sort_key = lambda item: item.date",
    'PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]',
    'SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY")',
    "password_hash = hash_password(password)",
    "PASSWORD=${DB_PASSWORD}",
    "def handle_deleted_tweet(tweet):",
    "token = get_token()",
    "see https://example.com/docs/api",
    "api_key: Optional[str] = None",
    "if password == confirm_password:",
    "return jwt.encode(payload, settings.SECRET_KEY)",
    "let token = await auth.getAccessToken();",
    "  tokenizer: Tokenizer,",
    "secrets: inherit",
    "${{ secrets.GITHUB_TOKEN }}",
    "token: ${{ secrets.NPM_TOKEN }}",
    "public_key = load_pem_public_key(data)",
    "The cache key is now derived from the path",
    "Bump the session key length to 32 bytes",
)
