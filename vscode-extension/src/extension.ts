// Devlog for VS Code: one language client per git repository in the workspace, each
// talking to that repository's daemon through `devlog lsp`.
import * as cp from "child_process";
import * as path from "path";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";
import { DraftResult, DraftSession, draftSelector, isCancellation, sidecarFor } from "./draftsession";
import { Executable, describe, findDevlog } from "./executable";
import { LocalModels, narratorChoices, narratorLine, statusQuery } from "./narrators";
import { Question, offerQuestions } from "./questions";
import { SECTION, Settings, draftOptions, needsRestart, readSettings, userFirst } from "./settings";

const SECRET_KEY = "devlog.anthropicApiKey";

interface Repo {
  root: string;
  client: LanguageClient;
  beats: number;
  narrator: string; // who writes the next draft, and why (devlog.status)
}

const repos = new Map<string, Repo>();
let output: vscode.OutputChannel;
let status: vscode.StatusBarItem;
let extensionContext: vscode.ExtensionContext;
let activeDraft: DraftSession | undefined;
let currentExe: Executable | undefined;

function settings(): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  return readSettings(userFirst((key) => config.get(key), (key) => config.inspect(key)));
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionContext = context;
  output = vscode.window.createOutputChannel("Devlog");
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 20);
  status.command = "devlog.generate";
  context.subscriptions.push(output, status);
  const commands: [string, () => Promise<void>][] = [
    ["devlog.generate", generateDevlog],
    ["devlog.showJournal", showJournal],
    ["devlog.installHook", installHook],
    ["devlog.setApiKey", setApiKey],
    ["devlog.restartDaemon", restartDaemon],
    ["devlog.chooseNarrator", chooseNarrator],
  ];
  for (const [name, handler] of commands) {
    context.subscriptions.push(vscode.commands.registerCommand(name, () => guarded(handler)));
  }
  context.subscriptions.push(vscode.workspace.onDidChangeWorkspaceFolders(() => guarded(syncClients)));
  // A new devlog.path means another server: restart the clients (as ruff-vscode does).
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart((section) => event.affectsConfiguration(section))) {
        void guarded(() => restartClients("devlog.path changed"));
      } else if (event.affectsConfiguration("devlog.narrator") || event.affectsConfiguration("devlog.localModel")) {
        void guarded(refreshNarrators);
      }
    }),
  );
  await watchInterpreter(context);
  await guarded(syncClients);
}

// The Python extension's selected interpreter is the last place devlog is looked for;
// when it changes and that is where devlog came from (or nothing was found), restart.
async function watchInterpreter(context: vscode.ExtensionContext): Promise<void> {
  const api = await pythonApi();
  const event = api?.environments?.onDidChangeActiveEnvironmentPath;
  if (typeof event !== "function") return;
  context.subscriptions.push(
    event(() => {
      if (!currentExe || currentExe.source === "python") {
        void guarded(() => restartClients("the Python interpreter changed"));
      }
    }),
  );
}

async function restartClients(why: string): Promise<void> {
  output.appendLine(`${why}: restarting`);
  const running = [...repos.values()];
  repos.clear();
  await Promise.all(running.map((repo) => repo.client.stop().catch(() => undefined)));
  currentExe = undefined;
  await syncClients();
}

export async function deactivate(): Promise<void> {
  await Promise.all([...repos.values()].map((r) => r.client.stop()));
  repos.clear();
}

async function guarded(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    output.appendLine(`error: ${message}`);
    const choice = await vscode.window.showErrorMessage(`Devlog: ${message}`, "Show log");
    if (choice === "Show log") output.show();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Python extension's API has no published types here
async function pythonApi(): Promise<any> {
  const python = vscode.extensions.getExtension("ms-python.python");
  try {
    return python ? (python.isActive ? python.exports : await python.activate()) : undefined;
  } catch {
    return undefined; // The Python extension is optional; the other lookups still apply.
  }
}

async function pythonInterpreter(): Promise<string | undefined> {
  try {
    const api = await pythonApi();
    const env = api?.environments?.getActiveEnvironmentPath?.();
    const resolved = env ? await api.environments.resolveEnvironment(env) : undefined;
    return resolved?.executable?.uri?.fsPath;
  } catch {
    return undefined;
  }
}

async function devlogExecutable(): Promise<Executable> {
  const exe = findDevlog({
    setting: settings().path,
    envPath: process.env.PATH,
    // A workspace can select its own interpreter (a .venv in the repository): only a trusted one is used.
    pythonInterpreter: vscode.workspace.isTrusted ? await pythonInterpreter() : undefined,
  });
  if (!exe) {
    const choice = await vscode.window.showErrorMessage(
      "Devlog: the `devlog` command was not found. Run ./install.sh from the devlogd repository, or set devlog.path.",
      "Open settings",
    );
    if (choice === "Open settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "devlog.path");
    }
    throw new Error("devlog is not installed");
  }
  return exe;
}

function gitRoot(folder: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    cp.execFile("git", ["rev-parse", "--show-toplevel"], { cwd: folder }, (err, stdout) =>
      resolve(err ? undefined : stdout.trim()),
    );
  });
}

async function syncClients(): Promise<void> {
  const roots = new Set<string>();
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const root = await gitRoot(folder.uri.fsPath);
    if (root) roots.add(root);
  }
  for (const [root, repo] of repos) {
    if (!roots.has(root)) {
      await repo.client.stop();
      repos.delete(root);
    }
  }
  if (roots.size === 0) {
    status.hide();
    return;
  }
  const exe = await devlogExecutable();
  currentExe = exe;
  output.appendLine(`using ${describe(exe)}`);
  for (const root of roots) {
    if (!repos.has(root)) await startClient(root, exe);
  }
  refreshStatus();
}

async function startClient(root: string, exe: Executable): Promise<void> {
  const serverOptions: ServerOptions = {
    command: exe.command,
    args: [...exe.args, "-C", root, "lsp"],
    options: { cwd: root, env: { ...process.env } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: draftSelector(root),
    outputChannel: output,
    workspaceFolder: vscode.workspace.getWorkspaceFolder(vscode.Uri.file(root)),
  };
  const client = new LanguageClient(`devlog-${root}`, `Devlog (${path.basename(root)})`, serverOptions, clientOptions);
  const repo: Repo = { root, client, beats: 0, narrator: "" };
  repos.set(root, repo);
  client.onNotification("devlog/beatAdded", (beat: { message?: string }) => {
    repo.beats += 1;
    output.appendLine(`${path.basename(root)}: new beat: ${(beat.message ?? "").split("\n", 1)[0]}`);
    refreshStatus();
  });
  client.onNotification("devlog/draftText", (params: { token: string; text: string }) => {
    void activeDraft?.stream(params.token, params.text);
  });
  await client.start();
  const key = await extensionContext.secrets.get(SECRET_KEY);
  if (key) await client.sendRequest("devlog/setCredentials", { apiKey: key });
  await refreshRepo(repo);
  output.appendLine(`${root}: ${repo.beats} beats; narrator ${repo.narrator}`);
}

async function refreshRepo(repo: Repo): Promise<void> {
  // The narrator a draft from here would get: this editor's settings decide it.
  const query = [statusQuery(settings())];
  const info = (await repo.client.sendRequest("workspace/executeCommand", { command: "devlog.status", arguments: query })) as {
    beats: number;
    narrator?: string;
    narrator_reason?: string;
  };
  repo.beats = info.beats;
  repo.narrator = narratorLine(info);
}

async function refreshNarrators(): Promise<void> {
  await Promise.all([...repos.values()].map((repo) => refreshRepo(repo)));
  refreshStatus();
}

function refreshStatus(): void {
  const total = [...repos.values()].reduce((sum, r) => sum + r.beats, 0);
  status.text = `$(book) devlog: ${total} beats`;
  const narrators = [...new Set([...repos.values()].map((r) => r.narrator).filter((n) => n))];
  status.tooltip =
    `Devlog daemon serving ${repos.size} repositor${repos.size === 1 ? "y" : "ies"}. Click to generate a devlog.` +
    narrators.map((n) => `\nNarrator: ${n}`).join("");
  status.show();
}

async function pickRepo(): Promise<Repo> {
  if (repos.size === 0) await syncClients();
  const all = [...repos.values()];
  if (all.length === 0) throw new Error("open a folder inside a git repository first");
  if (all.length === 1) return all[0];
  const active = vscode.window.activeTextEditor?.document.uri.fsPath;
  const owner = active ? all.find((r) => active.startsWith(r.root + path.sep)) : undefined;
  if (owner) return owner;
  const choice = await vscode.window.showQuickPick(all.map((r) => r.root), { placeHolder: "Which repository?" });
  const repo = all.find((r) => r.root === choice);
  if (!repo) throw new Error("no repository chosen");
  return repo;
}

async function generateDevlog(): Promise<void> {
  const repo = await pickRepo();
  const options = draftOptions(settings());
  if (settings().askQuestions) await askBeforeDraft(repo, options);
  const doc = await vscode.workspace.openTextDocument({ language: "markdown", content: "" });
  await vscode.window.showTextDocument(doc);
  const session = new DraftSession({
    append: async (text) => {
      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, doc.lineAt(doc.lineCount - 1).range.end, text);
      await vscode.workspace.applyEdit(edit);
    },
    replaceAll: async (text) => {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
      await vscode.workspace.applyEdit(edit);
    },
    close: () => closeDocument(doc),
  });
  activeDraft = session;
  let result: DraftResult;
  try {
    result = await session.run(() =>
      Promise.resolve(
        vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: "Devlog: writing your devlog", cancellable: true },
          (_progress, token) =>
            repo.client.sendRequest("workspace/executeCommand", { command: "devlog.generateDraft", arguments: [options] }, token),
        ),
      ).then((value) => value as DraftResult),
    );
  } catch (err) {
    if (isCancellation(err)) {
      output.appendLine("draft cancelled: its editor was closed");
      return;
    }
    throw err;
  } finally {
    if (activeDraft === session) activeDraft = undefined;
  }
  if (await saveToOutputFolder(repo, result)) {
    // The file holds the draft now; the streaming editor has done its job.
    await closeDocument(doc);
  }
  for (const note of result.notes ?? []) output.appendLine(`note: ${note}`);
  const problems = result.violations ?? [];
  const summary = `Devlog: draft written by the ${result.narrator} narrator` + (problems.length ? ` (${problems.length} rule warnings, see the log)` : "");
  problems.forEach((p) => output.appendLine(`check: ${p}`));
  const fellBack = (result.notes ?? []).find((note) => note.includes("could not write the post"));
  if (fellBack) void vscode.window.showWarningMessage(`Devlog: ${fellBack}`);
  else void vscode.window.showInformationMessage(summary);
}

// devlog's questions for the range the draft tells, one input box each: Enter with nothing
// typed skips one (and it is not offered again), Escape skips the rest. A failure to ask
// never stops the draft.
async function askBeforeDraft(repo: Repo, options: Record<string, unknown>): Promise<void> {
  const key = `devlog.skippedQuestions:${repo.root}`;
  const memory = {
    skipped: () => extensionContext?.workspaceState.get<string[]>(key) ?? [],
    remember: async (ids: string[]) => { await extensionContext?.workspaceState.update(key, ids.slice(-200)); },
  };
  const range = typeof options.since === "string" ? { since: options.since } : {};
  const ask = (question: Question, index: number, count: number) => Promise.resolve(vscode.window.showInputBox({
    title: `Devlog: a question only you can answer (${index}/${count})`,
    prompt: question.text,
    placeHolder: "A sentence or three. Enter with nothing skips it; Escape skips the rest.",
    ignoreFocusOut: true,
  }));
  try {
    const asked = await offerQuestions((method, params) => Promise.resolve(repo.client.sendRequest(method, params)),
      ask, memory, range);
    if (asked.answered) output.appendLine(`answered ${asked.answered} of devlog's questions; kept as notes`);
  } catch (err) {
    output.appendLine(`devlog's questions were not asked: ${(err as Error).message ?? err}`);
  }
}

async function closeDocument(doc: vscode.TextDocument): Promise<void> {
  await vscode.window.showTextDocument(doc);
  await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
}

async function saveToOutputFolder(repo: Repo, result: DraftResult): Promise<boolean> {
  const folder = settings().outputFolder;
  if (!folder) return false;
  const dir = vscode.Uri.file(path.resolve(repo.root, folder));
  await vscode.workspace.fs.createDirectory(dir);
  const file = vscode.Uri.joinPath(dir, `${new Date().toISOString().slice(0, 10)}-devlog.md`);
  // The sidecar first: the draft is grounded (diagnostics, hovers) from the moment it opens.
  const sidecar = sidecarFor(file.fsPath, result);
  if (sidecar) await vscode.workspace.fs.writeFile(vscode.Uri.file(sidecar.path), Buffer.from(sidecar.content, "utf8"));
  await vscode.workspace.fs.writeFile(file, Buffer.from(result.markdown, "utf8"));
  await vscode.window.showTextDocument(file);
  return true;
}

async function showJournal(): Promise<void> {
  const repo = await pickRepo();
  const result = (await repo.client.sendRequest("devlog/journal", {})) as { markdown: string };
  const doc = await vscode.workspace.openTextDocument({ language: "markdown", content: result.markdown });
  await vscode.window.showTextDocument(doc);
}

function runDevlog(exe: Executable, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    cp.execFile(exe.command, [...exe.args, ...args], (err, stdout, stderr) => {
      output.appendLine(stderr.trim());
      if (err) reject(new Error(stderr.trim() || err.message));
      else resolve(stdout + stderr);
    });
  });
}

async function installHook(): Promise<void> {
  const repo = await pickRepo();
  await runDevlog(await devlogExecutable(), ["-C", repo.root, "install"]);
  void vscode.window.showInformationMessage(`Devlog: git hooks installed in ${path.basename(repo.root)}`);
}

async function setApiKey(): Promise<void> {
  const key = await vscode.window.showInputBox({
    prompt: "Anthropic API key (kept in VS Code's secret storage, handed to the daemon in memory)",
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return;
  if (key) await extensionContext.secrets.store(SECRET_KEY, key);
  else await extensionContext.secrets.delete(SECRET_KEY);
  for (const repo of repos.values()) await repo.client.sendRequest("devlog/setCredentials", { apiKey: key || null });
  void vscode.window.showInformationMessage(key ? "Devlog: API key saved" : "Devlog: API key removed");
}

async function chooseNarrator(): Promise<void> {
  const repo = await pickRepo();
  const found = (await repo.client.sendRequest("devlog/localModels", {})) as LocalModels;
  const current = settings();
  const choice = await vscode.window.showQuickPick(narratorChoices(found, current), {
    placeHolder: `Who writes your devlogs? (now: ${repo.narrator || current.narrator})`,
    matchOnDescription: true,
  });
  if (!choice) return;
  if (!choice.narrator) {
    void vscode.window.showWarningMessage(`Devlog: ${choice.detail ?? "no local model was found"}`);
    return;
  }
  const config = vscode.workspace.getConfiguration(SECTION);
  await config.update("narrator", choice.narrator, vscode.ConfigurationTarget.Global);
  if (choice.localModel !== undefined) await config.update("localModel", choice.localModel, vscode.ConfigurationTarget.Global);
  await refreshNarrators();
  void vscode.window.showInformationMessage(`Devlog: drafts will be written by ${choice.label.replace(/^\$\([^)]*\) /, "")}`);
}

async function restartDaemon(): Promise<void> {
  const exe = await devlogExecutable();
  for (const repo of [...repos.values()]) {
    await repo.client.stop();
    repos.delete(repo.root);
    await runDevlog(exe, ["-C", repo.root, "daemon", "stop"]);
  }
  await syncClients();
  void vscode.window.showInformationMessage("Devlog: daemon restarted");
}
