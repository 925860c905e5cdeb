// What package.json promises VS Code.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

test("the extension wakes only in a git repository (or when one of its commands is run)", () => {
  const events = manifest.activationEvents;
  assert.ok(events.includes("workspaceContains:.git"));
  for (const event of events) {
    assert.match(event, /^workspaceContains:(\*\/)?\.git$/, `${event} would wake it in any window`);
  }
});

test("lint is part of the extension's checks", () => {
  assert.match(manifest.scripts.test, /^eslint /);
});
