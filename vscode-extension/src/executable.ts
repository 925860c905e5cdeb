// Where the `devlog` executable is, in a documented order (like ruff-vscode):
//   1. the `devlog.path` setting
//   2. `devlog` on PATH
//   3. where install.sh puts it: ~/.local/bin/devlog
//   4. `python -m devlogd` with the interpreter the Python extension selected
// Pure: everything it looks at is passed in, so it is tested without VS Code.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface Executable {
  command: string;
  args: string[];
  source: "setting" | "PATH" | "install.sh" | "python";
}

export interface LookupInputs {
  setting?: string;
  envPath?: string;
  home?: string;
  pythonInterpreter?: string;
  isExecutable?: (file: string) => boolean;
}

function defaultIsExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findDevlog(inputs: LookupInputs): Executable | undefined {
  const isExecutable = inputs.isExecutable ?? defaultIsExecutable;
  const setting = (inputs.setting ?? "").trim();
  if (setting) {
    const expanded = setting.startsWith("~/") ? path.join(inputs.home ?? os.homedir(), setting.slice(2)) : setting;
    return isExecutable(expanded) ? { command: expanded, args: [], source: "setting" } : undefined;
  }
  for (const dir of (inputs.envPath ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, "devlog");
    if (isExecutable(candidate)) return { command: candidate, args: [], source: "PATH" };
  }
  const installed = path.join(inputs.home ?? os.homedir(), ".local", "bin", "devlog");
  if (isExecutable(installed)) return { command: installed, args: [], source: "install.sh" };
  if (inputs.pythonInterpreter && isExecutable(inputs.pythonInterpreter)) {
    return { command: inputs.pythonInterpreter, args: ["-m", "devlogd"], source: "python" };
  }
  return undefined;
}

export function describe(exe: Executable): string {
  return [exe.command, ...exe.args].join(" ") + ` (from ${exe.source})`;
}

// A streamed draft arrives in chunks tagged with the request's progress token; only the
// chunks of the draft this editor asked for belong in its document.
export class DraftBuffer {
  private text = "";
  private token: string | undefined;

  accept(token: string, chunk: string): boolean {
    if (this.token === undefined) this.token = token;
    if (token !== this.token) return false;
    this.text += chunk;
    return true;
  }

  get value(): string {
    return this.text;
  }
}
