// devlog's questions before a draft: asked one at a time, answers sent to the daemon, a
// skipped one remembered and not offered again, Escape stops. The wiring with a fake
// request, then the same over stdio against the real Python server.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { offerQuestions } = require("../dist/questions.js");
const rpc = require("vscode-jsonrpc/node");

const QUESTIONS = [
  { id: "motive-1", kind: "motive", gap: "why", subjects: ["x"], text: "Why did you start?" },
  { id: "result-2", kind: "result", gap: "result", subjects: ["x"], text: "What came of it?" },
  { id: "next-3", kind: "next", gap: "next", subjects: ["x"], text: "What comes next?" },
];

function memory(initial = []) {
  const kept = { ids: initial };
  return { kept, skipped: () => kept.ids, remember: async (ids) => { kept.ids = ids; } };
}

function fakeRequest(sent) {
  return async (method, params) => {
    sent.push([method, params]);
    return method === "devlog/questions" ? { questions: QUESTIONS } : { time: 1, text: params.text };
  };
}

test("answers go to the daemon, an empty one skips and is remembered", async () => {
  const sent = [];
  const mem = memory();
  const replies = ["  For the jam  ", "", "A second level"];
  const asked = await offerQuestions(fakeRequest(sent), async (q, i, n) => { assert.equal(n, 3); return replies[i - 1]; },
    mem, { since: "2 weeks ago" });
  assert.deepEqual(asked, { answered: 2, skipped: 1, offered: 3 });
  assert.deepEqual(sent.slice(1), [
    ["devlog/answer", { id: "motive-1", text: "For the jam", since: "2 weeks ago" }],
    ["devlog/answer", { id: "next-3", text: "A second level", since: "2 weeks ago" }]]);
  assert.deepEqual(mem.kept.ids, ["result-2"]);
});

test("a skipped question is not offered again, and Escape skips the rest", async () => {
  const sent = [];
  const offered = [];
  const asked = await offerQuestions(fakeRequest(sent), async (q) => { offered.push(q.id); return undefined; },
    memory(["motive-1"]));
  assert.deepEqual(offered, ["result-2"]);
  assert.deepEqual(asked, { answered: 0, skipped: 0, offered: 2 });
  assert.equal(sent.length, 1);
});

test("over stdio, the real server's questions are answered and not asked again", async (t) => {
  const python = process.env.DEVLOG_PYTHON || "python3";
  const home = mkdtempSync(join(tmpdir(), "devlog-q-home-"));
  const repo = mkdtempSync(join(tmpdir(), "devlog-q-repo-"));
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: join(home, ".gitconfig"), DEVLOG_IDLE_TIMEOUT: "30", ANTHROPIC_API_KEY: "", OLLAMA_HOST: "127.0.0.1:9" };
  const git = (...args) => execFileSync("git", args, { cwd: repo, env: { ...env, GIT_AUTHOR_NAME: "Ada",
    GIT_AUTHOR_EMAIL: "a@x", GIT_COMMITTER_NAME: "Ada", GIT_COMMITTER_EMAIL: "a@x" } });
  git("init", "-q", "-b", "main");
  writeFileSync(join(repo, "bot.py"), "import socket\n");
  git("add", "-A"); git("commit", "-q", "-m", "Initial bot");
  writeFileSync(join(repo, "bot.py"), "import socket\n\ndef handle_deleted_tweet(tweet):\n    return tweet.id\n");
  git("add", "-A"); git("commit", "-q", "-m", "Handle deleted tweets");
  const server = spawn(python, ["-m", "devlogd", "-C", repo, "lsp"], { env, stdio: ["pipe", "pipe", "inherit"] });
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(server.stdout),
    new rpc.StreamMessageWriter(server.stdin));
  connection.listen();
  t.after(async () => {
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
  await connection.sendRequest("initialize", { processId: process.pid, rootUri: `file://${repo}`, capabilities: {} });
  connection.sendNotification("initialized", {});
  const request = (method, params) => connection.sendRequest(method, params);
  const seen = [];
  const asked = await offerQuestions(request, async (q, i) => { seen.push(q); return i === 1 ? "The bot crashed on my timeline" : ""; },
    memory());
  assert.equal(seen[0].kind, "motive");
  assert.match(seen[0].text, /Handle deleted tweets|Initial bot/);
  assert.equal(asked.answered, 1);
  const again = await connection.sendRequest("devlog/questions", {});
  assert.ok(!again.questions.some((q) => q.id === seen[0].id));
  const notes = await connection.sendRequest("devlog/notes", {});
  assert.deepEqual(notes.notes.map((n) => n.text), ["The bot crashed on my timeline"]);
});
