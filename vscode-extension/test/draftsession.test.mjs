// A draft's editor: filled as the text streams, replaced by the post; cancelled or failed,
// closed and forgotten.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { DraftSession, isCancellation } = require("../dist/draftsession.js");

function fakeEditor() {
  const editor = { text: "", closed: false };
  editor.append = async (text) => { editor.text += text; };
  editor.replaceAll = async (text) => { editor.text = text; };
  editor.close = async () => { editor.closed = true; };
  return editor;
}

test("the finished post replaces what streamed", async () => {
  const editor = fakeEditor();
  const session = new DraftSession(editor);
  const result = await session.run(async () => {
    await session.stream("t1", "---\ntitle: half");
    await session.stream("t2", "someone else's");
    return { markdown: "---\ntitle: whole\n", narrator: "offline" };
  });
  assert.equal(result.narrator, "offline");
  assert.equal(editor.text, "---\ntitle: whole\n");
  assert.equal(editor.closed, false);
});

test("a cancelled draft closes its half-streamed editor and ignores late chunks", async () => {
  const editor = fakeEditor();
  const session = new DraftSession(editor);
  const cancelled = Object.assign(new Error("Request was cancelled"), { code: -32800 });
  await assert.rejects(session.run(async () => {
    await session.stream("t1", "---\ntitle: half");
    throw cancelled;
  }), (err) => isCancellation(err));
  assert.equal(editor.closed, true);
  await session.stream("t1", " late chunk");
  assert.equal(editor.text, "---\ntitle: half");
});

test("a failed draft closes its editor too, and the error goes on", async () => {
  const editor = fakeEditor();
  const session = new DraftSession(editor);
  await assert.rejects(session.run(async () => { throw new Error("nothing to draft"); }), /nothing to draft/);
  assert.equal(editor.closed, true);
});

test("what counts as a cancellation", () => {
  assert.ok(isCancellation({ code: -32800 }));
  assert.ok(isCancellation({ name: "Canceled" }));
  assert.ok(!isCancellation(new Error("boom")));
  assert.ok(!isCancellation(undefined));
});

test("a saved draft gets the sidecar devlog draft --out writes, and the client serves its markdown", () => {
  const { sidecarFor, draftSelector } = require("../dist/draftsession.js");
  const result = { markdown: "---\n", narrator: "offline", sources: { "chapter 1": ["abc123"] } };
  const sidecar = sidecarFor("/repo/drafts/2026-12-08-devlog.md", result);
  assert.equal(sidecar.path, "/repo/drafts/2026-12-08-devlog.md.sources.json");
  assert.deepEqual(JSON.parse(sidecar.content), { "chapter 1": ["abc123"] });
  assert.equal(sidecarFor("/x.md", { markdown: "", narrator: "offline" }), undefined);
  assert.deepEqual(draftSelector("/repo"), [{ scheme: "file", language: "markdown", pattern: "/repo/**/*.md" }]);
});
