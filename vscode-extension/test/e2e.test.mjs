// The extension's protocol, end to end over stdio against the real Python server:
// `devlog lsp` forwarding to the repository's daemon, on a real git repository.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
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
  GIT_CONFIG_GLOBAL: join(home, ".gitconfig"), DEVLOG_IDLE_TIMEOUT: "30", ANTHROPIC_API_KEY: "" };
let server;
let connection;
const progress = [];
const beats = [];

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
  assert.equal(beat.headline, "Add the rate limiter");
});

test("a bad draft option is a clear error", async () => {
  await assert.rejects(
    connection.sendRequest("workspace/executeCommand", { command: "devlog.generateDraft", arguments: [{ narrator: "bard" }] }),
    /narrator/,
  );
});
