// "Devlog: Choose narrator": what it offers and what each choice writes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { narratorChoices, narratorLine, statusQuery } = require("../dist/narrators.js");

const found = { server: "Ollama at http://127.0.0.1:11434",
  models: [{ name: "llama3.2:latest", context: 131072 }, { name: "qwen3:8b", context: 40960 }] };

test("the local models found are offered beside the three narrators, each with its context", () => {
  const choices = narratorChoices(found, { narrator: "auto", localModel: "" });
  assert.deepEqual(choices.map((c) => c.narrator), ["auto", "claude", "offline", "local", "local"]);
  const qwen = choices[4];
  assert.equal(qwen.label, "$(server) qwen3:8b");
  assert.equal(qwen.description, "40,960-token context");
  assert.match(qwen.detail, /Ollama at http:\/\/127\.0\.0\.1:11434/);
  assert.equal(qwen.localModel, "qwen3:8b");
  assert.equal(choices[0].localModel, undefined); // automatic keeps the preferred local model
  assert.deepEqual(choices.filter((c) => c.picked).map((c) => c.label), ["Automatic"]);
});

test("the current local model is the one picked", () => {
  const choices = narratorChoices(found, { narrator: "local", localModel: "qwen3:8b" });
  assert.deepEqual(choices.filter((c) => c.picked).map((c) => c.localModel), ["qwen3:8b"]);
});

test("no local model: the sentence that says why and how to fix it, and nothing to write", () => {
  const problem = "nothing answers at http://127.0.0.1:11434: start it with `ollama serve`";
  const choices = narratorChoices({ server: "ollama", problem }, { narrator: "auto", localModel: "" });
  const last = choices.at(-1);
  assert.equal(last.detail, problem);
  assert.equal(last.narrator, undefined);
});

test("the status asks about the editor's narrator, and the answer says who and why", () => {
  assert.deepEqual(statusQuery({ narrator: "local", localModel: "qwen3:8b" }), { narrator: "local", localModel: "qwen3:8b" });
  assert.deepEqual(statusQuery({ narrator: "auto", localModel: "" }), { narrator: "auto" });
  assert.equal(narratorLine({ narrator: "local", narrator_reason: "qwen3:8b on Ollama" }), "local: qwen3:8b on Ollama");
  assert.equal(narratorLine({}), "");
});
