// The documented lookup order for the devlog executable.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { findDevlog, DraftBuffer } = require("../dist/executable.js");

const only = (...files) => (file) => files.includes(file);

test("the setting wins over everything", () => {
  const exe = findDevlog({ setting: "/opt/devlog", envPath: "/usr/bin", home: "/h", isExecutable: only("/opt/devlog", "/usr/bin/devlog") });
  assert.deepEqual(exe, { command: "/opt/devlog", args: [], source: "setting" });
});

test("a setting that points nowhere is an error, not a silent fallback", () => {
  assert.equal(findDevlog({ setting: "/nope/devlog", envPath: "/usr/bin", isExecutable: only("/usr/bin/devlog") }), undefined);
});

test("the setting may start with ~/", () => {
  const exe = findDevlog({ setting: "~/bin/devlog", home: "/home/ada", isExecutable: only("/home/ada/bin/devlog") });
  assert.equal(exe.command, "/home/ada/bin/devlog");
});

test("then PATH, in order", () => {
  const exe = findDevlog({ envPath: "/a:/b:/c", home: "/h", isExecutable: only("/b/devlog", "/c/devlog") });
  assert.deepEqual(exe, { command: "/b/devlog", args: [], source: "PATH" });
});

test("then where install.sh puts it", () => {
  const exe = findDevlog({ envPath: "/a", home: "/home/ada", isExecutable: only("/home/ada/.local/bin/devlog") });
  assert.equal(exe.source, "install.sh");
});

test("then python -m devlogd with the selected interpreter", () => {
  const exe = findDevlog({ envPath: "", home: "/h", pythonInterpreter: "/venv/bin/python", isExecutable: only("/venv/bin/python") });
  assert.deepEqual(exe, { command: "/venv/bin/python", args: ["-m", "devlogd"], source: "python" });
});

test("nothing found", () => {
  assert.equal(findDevlog({ envPath: "/a", home: "/h", isExecutable: () => false }), undefined);
});

test("a draft buffer keeps only the chunks of its own request", () => {
  const buffer = new DraftBuffer();
  assert.ok(buffer.accept("t1", "Hello "));
  assert.ok(!buffer.accept("t2", "intruder"));
  assert.ok(buffer.accept("t1", "world"));
  assert.equal(buffer.value, "Hello world");
});
