// The one settings module: what the draft asks for, and which changes restart the server.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { readSettings, draftOptions, needsRestart } = require("../dist/settings.js");

const reader = (values) => (key) => values[key];

test("defaults when nothing is set", () => {
  assert.deepEqual(readSettings(reader({})), {
    path: "", narrator: "auto", model: "", localModel: "", since: "", outputFolder: "", styleFiles: [], askQuestions: true,
  });
});

test("a draft from the editor falls back to the offline post when Claude fails", () => {
  const options = draftOptions(readSettings(reader({ narrator: "claude", since: " 2 weeks ago ", styleFiles: ["a.md", ""] })));
  assert.deepEqual(options, { narrator: "claude", fallback: "offline", since: "2 weeks ago", style: ["a.md"] });
});

test("a local model goes with the draft as the server's model, apart from Claude's", () => {
  const options = draftOptions(readSettings(reader({ narrator: "local", model: "claude-x", localModel: " qwen3:8b " })));
  assert.deepEqual(options, { narrator: "local", fallback: "offline", model: "claude-x", localModel: "qwen3:8b" });
});

test("an unknown narrator is read as auto, not sent to the server", () => {
  assert.equal(readSettings(reader({ narrator: "bard" })).narrator, "auto");
});

test("a new devlog.path restarts the clients; a new default range does not", () => {
  assert.equal(needsRestart((section) => section === "devlog.path"), true);
  assert.equal(needsRestart((section) => section === "devlog.since"), false);
  assert.equal(needsRestart(() => false), false);
});

test("devlog's questions are offered unless turned off", () => {
  assert.equal(readSettings(reader({})).askQuestions, true);
  assert.equal(readSettings(reader({ askQuestions: false })).askQuestions, false);
});

test("what runs, what is read and where the code goes come from the user's settings alone", () => {
  const { userFirst, USER_ONLY } = require("../dist/settings.js");
  const workspace = { path: "./Makefile", styleFiles: ["/etc/shadow"], narrator: "claude", since: "1 week ago" };
  const user = { narrator: "offline" };
  const read = userFirst((key) => workspace[key] ?? user[key], (key) => ({ globalValue: user[key], workspaceValue: workspace[key] }));
  const settings = readSettings(read);
  assert.equal(settings.path, "");
  assert.deepEqual(settings.styleFiles, []);
  assert.equal(settings.narrator, "offline");
  assert.equal(settings.since, "1 week ago"); // a range may be the workspace's
  assert.deepEqual([...USER_ONLY].sort(), ["localModel", "model", "narrator", "path", "styleFiles"]);
});
