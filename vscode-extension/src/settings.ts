// Every `devlog.*` setting is read here and nowhere else. Pure: the caller passes how to
// read one value (VS Code's WorkspaceConfiguration.get), so it is tested without VS Code.

export const SECTION = "devlog";

export interface Settings {
  path: string;
  narrator: "auto" | "offline" | "claude" | "local";
  model: string;
  localModel: string;
  since: string;
  outputFolder: string;
  styleFiles: string[];
  askQuestions: boolean;
}

export type Read = <T>(key: string) => T | undefined;

export const NARRATORS = ["auto", "offline", "claude", "local"] as const;

// Settings that choose what runs, which files are read and where the code goes: the user's
// alone. package.json scopes them "application" (a workspace cannot set them) and restricts
// them in untrusted workspaces; they are also read from the user's own value only, so a
// workspace's .vscode/settings.json is ignored whatever VS Code version runs the extension.
export const USER_ONLY = ["path", "styleFiles", "narrator", "model", "localModel"] as const;

export interface Inspected<T> {
  globalValue?: T;
}

// How to read one setting: a user-only key from its user (global) value, the rest as VS
// Code resolves them.
export function userFirst(
  get: <T>(key: string) => T | undefined,
  inspect: <T>(key: string) => Inspected<T> | undefined,
): Read {
  return <T>(key: string): T | undefined =>
    (USER_ONLY as readonly string[]).includes(key) ? inspect<T>(key)?.globalValue : get<T>(key);
}

export function readSettings(read: Read): Settings {
  const narrator = read<string>("narrator") ?? "auto";
  const styles = read<unknown>("styleFiles");
  return {
    path: (read<string>("path") ?? "").trim(),
    narrator: (NARRATORS as readonly string[]).includes(narrator) ? (narrator as Settings["narrator"]) : "auto",
    model: (read<string>("model") ?? "").trim(),
    localModel: (read<string>("localModel") ?? "").trim(),
    since: (read<string>("since") ?? "").trim(),
    outputFolder: (read<string>("outputFolder") ?? "").trim(),
    styleFiles: Array.isArray(styles) ? styles.filter((s): s is string => typeof s === "string" && s !== "") : [],
    askQuestions: read<boolean>("askQuestions") !== false,
  };
}

// The argument of `devlog.generateDraft`. An editor always asks for the offline post when
// Claude or the local model fails: a notification that says why beats an empty editor.
export function draftOptions(settings: Settings): Record<string, unknown> {
  const options: Record<string, unknown> = { narrator: settings.narrator, fallback: "offline" };
  if (settings.since) options.since = settings.since;
  if (settings.model) options.model = settings.model;
  if (settings.localModel) options.localModel = settings.localModel;
  if (settings.styleFiles.length) options.style = settings.styleFiles;
  return options;
}

// Settings that change which server runs: the language clients restart when one changes.
// The rest are read afresh for each draft.
export const RESTART_SETTINGS = ["path"];

export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_SETTINGS.some((key) => affects(`${SECTION}.${key}`));
}
