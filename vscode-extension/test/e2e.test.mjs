// The extension's protocol, end to end over stdio against the real Python server:
// `devlog lsp` forwarding to the repository's daemon, on a real git repository.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const rpc = require("vscode-jsonrpc/node");

const python = process.env.DEVLOG_PYTHON || "python3";
const home = mkdtempSync(join(tmpdir(), "devlog-e2e-home-"));
const repo = mkdtempSync(join(tmpdir(), "devlog-e2e-repo-"));
const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: join(home, ".gitconfig"), DEVLOG_IDLE_TIMEOUT: "30", ANTHROPIC_API_KEY: "",
  OLLAMA_HOST: "127.0.0.1:9" }; // no local model server: never the developer's own
let server;
let connection;
const progress = [];
const beats = [];
const diagnostics = [];

function git(...args) {
  return execFileSync("git", args, { cwd: repo, env: { ...env, GIT_AUTHOR_NAME: "Ada", GIT_AUTHOR_EMAIL: "a@x",
    GIT_COMMITTER_NAME: "Ada", GIT_COMMITTER_EMAIL: "a@x" } }).toString().trim();
}

function commit(file, content, message) {
  writeFileSync(join(repo, file), content);
  git("add", "-A");
  git("commit", "-q", "-m", message);
  return git("rev-parse", "HEAD");
}

before(async () => {
  git("init", "-q", "-b", "main");
  commit("bot.py", "import socket\n", "Initial bot");
  commit("bot.py", "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(tweet):\n    return tweet.id\n",
    "Handle deleted tweets\n\nThe bot crashed when a tweet vanished.");
  server = spawn(python, ["-m", "devlogd", "-C", repo, "lsp"], { env, stdio: ["pipe", "pipe", "inherit"] });
  connection = rpc.createMessageConnection(new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
  connection.onRequest("window/workDoneProgress/create", () => null);
  connection.onNotification("$/progress", (params) => progress.push(params));
  connection.onNotification("devlog/beatAdded", (beat) => beats.push(beat));
  connection.onNotification("textDocument/publishDiagnostics", (params) => diagnostics.push(params));
  connection.listen();
  await connection.sendRequest("initialize", { processId: process.pid, rootUri: `file://${repo}`,
    capabilities: { window: { workDoneProgress: true } } });
  connection.sendNotification("initialized", {});
});

after(async () => {
  // exit closes this connection only; `devlog lsp` then ends on its own.
  const exited = new Promise((resolve) => server.once("exit", resolve));
  await connection.sendRequest("shutdown");
  await connection.sendNotification("exit");
  const timer = setTimeout(() => server.kill(), 10000);
  await exited;
  clearTimeout(timer);
  connection.dispose();
  execFileSync(python, ["-m", "devlogd", "-C", repo, "daemon", "stop"], { env });
  rmSync(repo, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

test("generateDraft returns a post and reports progress", async () => {
  const result = await connection.sendRequest("workspace/executeCommand", { command: "devlog.generateDraft", arguments: [{}] });
  assert.match(result.markdown, /^---\ntitle: /);
  assert.match(result.markdown, /handle_deleted_tweet/);
  assert.equal(result.narrator, "offline");
  assert.deepEqual(result.violations ?? [], []);  // omitted when empty
  const kinds = progress.map((p) => p.value.kind);
  assert.equal(kinds[0], "begin");
  assert.equal(kinds.at(-1), "end");
  assert.ok(kinds.includes("report"));
});

test("status counts the beats", async () => {
  const info = await connection.sendRequest("workspace/executeCommand", { command: "devlog.status", arguments: [] });
  assert.equal(info.beats, 2);
});

test("a new commit arrives as devlog/beatAdded", async () => {
  const sha = commit("limits.py", "MAX_TWEETS_PER_MINUTE = 30\n", "Add the rate limiter");
  const deadline = Date.now() + 20000;
  while (!beats.some((b) => b.sha === sha) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const beat = beats.find((b) => b.sha === sha);
  assert.ok(beat, "no beatAdded for the new commit");
  assert.equal(beat.message.split("\n", 1)[0], "Add the rate limiter");
});

test("a bad draft option is a clear error", async () => {
  await assert.rejects(
    connection.sendRequest("workspace/executeCommand", { command: "devlog.generateDraft", arguments: [{ narrator: "bard" }] }),
    /narrator/,
  );
});

// A local model server that lists two models (Ollama's /api/tags and /api/show), for the
// narrator picker: handed over as the terminal hands over OLLAMA_HOST.
function fakeOllama() {
  const models = { "llama3.2:latest": 131072, "qwen3:8b": 40960 };
  return createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/api/tags") {
        res.end(JSON.stringify({ models: Object.keys(models).map((name) => ({ name, model: name })) }));
      } else if (req.url === "/api/show") {
        const name = JSON.parse(body).model;
        res.end(JSON.stringify({ capabilities: ["completion"], model_info: { "llama.context_length": models[name] } }));
      } else {
        res.statusCode = 404;
        res.end("{}");
      }
    });
  });
}

test("the narrator picker lists the local models, and the status names the editor's narrator", async () => {
  const empty = await connection.sendRequest("devlog/localModels", {});
  assert.deepEqual(empty.models ?? [], []);
  assert.match(empty.problem, /nothing answers at http:\/\/127\.0\.0\.1:9.*ollama serve/);
  const ollama = fakeOllama();
  await new Promise((resolve) => ollama.listen(0, "127.0.0.1", resolve));
  try {
    await connection.sendRequest("devlog/setCredentials", { ollamaHost: `127.0.0.1:${ollama.address().port}` });
    const found = await connection.sendRequest("devlog/localModels", {});
    assert.deepEqual(found.models, [{ name: "llama3.2:latest", context: 131072 }, { name: "qwen3:8b", context: 40960 }]);
    assert.match(found.server, /^Ollama at http:\/\/127\.0\.0\.1:\d+$/);
    const info = await connection.sendRequest("workspace/executeCommand",
      { command: "devlog.status", arguments: [{ narrator: "local", localModel: "qwen3:8b" }] });
    assert.equal(info.narrator, "local");
    assert.match(info.narrator_reason, /^qwen3:8b on Ollama at .*, 40,960-token context \(asked for\)/);
  } finally {
    ollama.close();
  }
});

test("a saved draft with its sidecar gets grounding diagnostics, and they follow an edit", async () => {
  const { sidecarFor } = require("../dist/draftsession.js");
  const result = await connection.sendRequest("workspace/executeCommand", { command: "devlog.generateDraft", arguments: [{}] });
  const file = join(repo, "post.md");
  const sidecar = sidecarFor(file, result);
  writeFileSync(sidecar.path, sidecar.content);
  const text = result.markdown + "\nAll told, the work took 40 changes.\n";
  writeFileSync(file, text);
  const uri = `file://${file}`;
  const published = async (version) => {
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const found = diagnostics.find((d) => d.uri === uri && d.version === version);
      if (found) return found.diagnostics;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no diagnostics for version ${version}`);
  };
  connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "markdown", version: 1, text } });
  const first = await published(1);
  const warnings = first.filter((d) => d.severity === 2);
  assert.deepEqual(warnings.map((d) => d.code), ["contradicted-count"]);
  assert.equal(warnings[0].range.start.line, text.split("\n").length - 2);
  assert.match(warnings[0].message, /^40 changes, but the sources hold/);
  connection.sendNotification("textDocument/didChange", { textDocument: { uri, version: 2 },
    contentChanges: [{ text: result.markdown }] });
  assert.deepEqual((await published(2)).filter((d) => d.severity === 2), []);
});
