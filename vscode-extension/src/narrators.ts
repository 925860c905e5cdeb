// "Devlog: Choose narrator": the choices offered, from the local server's models as the
// daemon found them (devlog/localModels), and the settings each choice writes. Pure: tested
// without VS Code.
import { Settings } from "./settings";

export interface LocalModels {
  server: string;
  models?: { name: string; context: number }[];
  problem?: string;
}

export interface NarratorChoice {
  label: string;
  description?: string;
  detail?: string;
  picked?: boolean;
  // What the choice writes: devlog.narrator and devlog.localModel (undefined: left as it is).
  narrator?: Settings["narrator"];
  localModel?: string;
}

export function narratorChoices(found: LocalModels, current: Pick<Settings, "narrator" | "localModel">): NarratorChoice[] {
  const choices: NarratorChoice[] = [
    { label: "Automatic", description: "Claude with an API key, else a local model, else offline", narrator: "auto" },
    { label: "Claude", description: "needs an Anthropic API key (Devlog: Set Anthropic API key)", narrator: "claude" },
    { label: "Offline", description: "deterministic; nothing leaves the machine", narrator: "offline" },
  ];
  for (const choice of choices) choice.picked = choice.narrator === current.narrator && current.narrator !== "local";
  for (const model of found.models ?? []) {
    choices.push({
      label: `$(server) ${model.name}`,
      description: `${model.context.toLocaleString("en-US")}-token context`,
      detail: `local: ${found.server}; the code never leaves the machine`,
      narrator: "local",
      localModel: model.name,
      picked: current.narrator === "local" && current.localModel === model.name,
    });
  }
  if (!found.models?.length) {
    choices.push({ label: "$(warning) No local model", detail: found.problem || `none found at ${found.server}` });
  }
  return choices;
}

// What the status bar says of the next draft's narrator (from devlog.status).
export function narratorLine(info: { narrator?: string; narrator_reason?: string }): string {
  if (!info.narrator) return "";
  return info.narrator_reason ? `${info.narrator}: ${info.narrator_reason}` : info.narrator;
}

// The argument of `devlog.status`: the narrator a draft with these settings would get.
export function statusQuery(settings: Pick<Settings, "narrator" | "localModel">): Record<string, unknown> {
  const query: Record<string, unknown> = { narrator: settings.narrator };
  if (settings.localModel) query.localModel = settings.localModel;
  return query;
}
