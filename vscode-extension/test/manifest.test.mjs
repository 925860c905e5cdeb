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

test("settings naming an executable or a file are the user's, and restricted in untrusted workspaces", () => {
  const props = manifest.contributes.configuration.properties;
  for (const key of ["devlog.path", "devlog.styleFiles", "devlog.narrator", "devlog.model", "devlog.localModel"]) {
    assert.ok(["application", "machine"].includes(props[key].scope), `${key} can be set by a workspace`);
  }
  const untrusted = manifest.capabilities.untrustedWorkspaces;
  assert.equal(untrusted.supported, "limited");
  for (const key of ["devlog.path", "devlog.styleFiles", "devlog.narrator", "devlog.outputFolder"]) {
    assert.ok(untrusted.restrictedConfigurations.includes(key), `${key} is not restricted`);
  }
});
