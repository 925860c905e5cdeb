// "Devlog: Generate devlog" in real VS Code (code-server), driven from the command palette.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const ext = dirname(here);
const artifacts = join(ext, ".artifacts");
const python = process.env.DEVLOG_PYTHON;
const work = mkdtempSync(join(tmpdir(), "devlog-vscode-"));
const home = join(work, "home");
const repo = join(work, "tweetbot");
const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: join(home, ".gitconfig"), ANTHROPIC_API_KEY: "", DEVLOG_IDLE_TIMEOUT: "60" };
let codeServer;
let browser;

function git(...args) {
  return execFileSync("git", args, { cwd: repo, env: { ...env, GIT_AUTHOR_NAME: "Ada", GIT_AUTHOR_EMAIL: "a@x",
    GIT_COMMITTER_NAME: "Ada", GIT_COMMITTER_EMAIL: "a@x" } }).toString();
}

function commit(files, message) {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(repo, name), content);
  git("add", "-A");
  git("commit", "-q", "-m", message);
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check, what, timeout = 60000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function fixture() {
  mkdirSync(home, { recursive: true });
  mkdirSync(repo, { recursive: true });
  git("init", "-q", "-b", "main");
  commit({ "bot.py": "import socket\n" }, "Initial tweet bot");
  commit({ "bot.py": "import socket\n\nDEFAULT_PORT = 2222\n" }, "feat: listen on a fixed port");
  commit({ "bot.py": "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(event):\n    return event.get('id')\n" },
    "Handle deleted tweets\n\nThe handler crashed with a KeyError when a delete carried no id. Turns out deletes for protected accounts carry no id at all.");
  // A cloned repository's own settings try to choose what runs and what is read: the
  // executable (a script that leaves a marker), a style file that cannot be read (honoured,
  // the draft would fail on it) and the narrator. Every one must be ignored.
  const hostile = join(repo, "run-me.sh");
  writeFileSync(hostile, `#!/bin/sh\ntouch '${join(work, "workspace-executable-ran")}'\nexit 1\n`);
  chmodSync(hostile, 0o755);
  mkdirSync(join(repo, ".vscode"), { recursive: true });
  writeFileSync(join(repo, ".vscode", "settings.json"), JSON.stringify({
    "devlog.path": hostile,
    "devlog.styleFiles": [join(repo, "no-such-style-post.md")],
    "devlog.narrator": "claude",
  }, null, 2));
  writeFileSync(join(repo, ".git", "info", "exclude"), ".vscode/\nrun-me.sh\n");
  // The executable the extension finds through the devlog.path setting.
  const launcher = join(work, "devlog");
  writeFileSync(launcher, `#!/bin/sh\nexec '${python}' -m devlogd "$@"\n`);
  chmodSync(launcher, 0o755);
  const settings = join(work, "user-data", "User");
  mkdirSync(settings, { recursive: true });
  writeFileSync(join(settings, "settings.json"), JSON.stringify({
    "devlog.path": launcher,
    "devlog.outputFolder": "drafts",
    "workbench.startupEditor": "none",
    "security.workspace.trust.enabled": false,
    "telemetry.telemetryLevel": "off",
    "extensions.autoCheckUpdates": false,
    "update.mode": "none",
  }, null, 2));
}

after(async () => {
  await browser?.close();
  codeServer?.kill("SIGTERM");
  try {
    execFileSync(python, ["-m", "devlogd", "-C", repo, "daemon", "stop"], { env });
  } catch {}
  rmSync(work, { recursive: true, force: true });
});

test("Generate devlog from the command palette opens a draft that devlog check accepts, grounded as it is edited", { timeout: 240000 }, async () => {
  fixture();
  const codeServerBin = join(here, "node_modules", ".bin", "code-server");
  const dirs = ["--user-data-dir", join(work, "user-data"), "--extensions-dir", join(work, "extensions")];
  execFileSync(codeServerBin, [...dirs, "--install-extension", join(ext, "devlog.vsix")], { env, stdio: "inherit" });
  const port = await freePort();
  codeServer = spawn(codeServerBin, [...dirs, "--bind-addr", `127.0.0.1:${port}`, "--auth", "none",
    "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", repo],
    { env, stdio: ["ignore", "inherit", "inherit"] });
  await waitFor(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
    } catch {
      return false;
    }
  }, "code-server");

  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(repo)}`);
  await page.waitForSelector(".monaco-workbench", { timeout: 120000 });
  // The extension is up when its status bar item shows the beat count.
  await page.waitForSelector('.statusbar-item:has-text("devlog:")', { timeout: 120000 });

  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget input");
  await page.keyboard.type("Devlog: Generate devlog");
  await page.waitForSelector('.quick-input-list .monaco-list-row:has-text("Generate devlog")');
  await page.keyboard.press("Enter");
  // devlog's questions come first: the first is answered, Escape skips the rest.
  await page.waitForSelector('.quick-input-widget:has-text("a question only you can answer (1/")', { timeout: 120000 });
  await page.keyboard.type("I wanted a bot that survives deleted tweets");
  await page.keyboard.press("Enter");
  await page.waitForSelector('.quick-input-widget:has-text("a question only you can answer (2/")', { timeout: 60000 });
  await page.keyboard.press("Escape");

  const drafts = join(repo, "drafts");
  // Found once written whole (the file is created before its text is in it).
  const file = await waitFor(() => existsSync(drafts) && readdirSync(drafts).find((f) => f.endsWith("-devlog.md")
    && readFileSync(join(drafts, f), "utf8").startsWith("---")),
    "the draft file", 120000);
  const post = readFileSync(join(drafts, file), "utf8");
  assert.match(post, /^---\ntitle: "tweetbot: /);
  assert.match(post, /handle_deleted_tweet/);
  assert.match(post, /I wanted a bot that survives deleted tweets/); // the answer opens the offline post
  // The workspace's settings were ignored: its executable never ran, and its style file was
  // never asked for (the daemon would have failed the draft on it).
  assert.equal(existsSync(join(work, "workspace-executable-ran")), false);
  // The editor shows the draft, front matter first.
  await page.waitForSelector('.monaco-editor .view-lines:has-text("title:")', { timeout: 30000 });
  // The editor that shows it (another editor, empty, may come first in the page).
  const editorText = await page.locator('.monaco-editor .view-lines:has-text("title:")').first().innerText();
  assert.match(editorText.replace(/\u00a0/g, " "), /title: "tweetbot: /);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, "generate-devlog.png") });
  // The same rules the CLI enforces.
  execFileSync(python, ["-m", "devlogd", "check", join(drafts, file)], { env, stdio: "inherit" });
  // The extension saved the sidecar beside the draft: every claim is in its sources.
  assert.ok(existsSync(join(drafts, `${file}.sources.json`)), "the draft's sidecar");
  execFileSync(python, ["-m", "devlogd", "-C", repo, "check", "--grounding", join(drafts, file)], { env, stdio: "inherit" });

  // The author writes a claim the sources contradict: a squiggle under it, the sources in its hover.
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("All told, the work took 40 changes.");
  const squiggle = page.locator(".monaco-editor .squiggly-warning").first();
  await squiggle.waitFor({ timeout: 60000 });
  const box = await squiggle.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const hover = page.locator('.monaco-hover:has-text("contradicted")').first();
  await hover.waitFor({ timeout: 30000 });
  const hoverText = (await hover.innerText()).replace(/\u00a0/g, " ");
  assert.match(hoverText, /40 changes, but the sources hold 3 changes/);
  assert.match(hoverText, /Handle deleted tweets/);  // a source change's subject, with its date
  await page.screenshot({ path: join(artifacts, "grounding-hover.png") });
  await page.mouse.move(5, 5);
  await page.keyboard.press("Escape");

  // A new devlog.path takes effect without reloading the window: the client restarts on it.
  const marker = join(work, "second-launcher-ran");
  const second = join(work, "devlog-second");
  writeFileSync(second, `#!/bin/sh\ntouch '${marker}'\nexec '${python}' -m devlogd "$@"\n`);
  chmodSync(second, 0o755);
  // Set as a person does: the Settings editor, searched for devlog.path.
  try {
    await page.keyboard.press("Control+Comma");
    await page.waitForSelector(".settings-editor", { timeout: 30000 });
    await page.keyboard.type("devlog.path");
    const pathInput = page.locator('input[aria-label="devlog.path"]:visible').first();
    await pathInput.waitFor({ timeout: 30000 });
    await pathInput.fill(second);
    await pathInput.press("Tab");
    await waitFor(() => existsSync(marker), "the language client to restart with the new devlog.path", 60000);
  } catch (err) {
    const inputs = await page.locator("input, textarea").evaluateAll((els) =>
      els.filter((e) => e.offsetParent !== null).map((e) => `${e.tagName} ${e.getAttribute("aria-label")} ${e.className} value=${e.value}`));
    writeFileSync(join(artifacts, "restart-on-setting.txt"), inputs.join("\n"));
    await page.screenshot({ path: join(artifacts, "restart-on-setting.png") });
    throw err;
  }
});
