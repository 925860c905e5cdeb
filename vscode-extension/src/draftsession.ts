// One draft asked for from the editor: an editor that fills as the text streams, replaced
// by the checked post at the end; cancelled or failed, it is closed and forgotten, leaving
// nothing half-written behind. Pure: the editor operations are passed in (tested without VS Code).
import { DraftBuffer } from "./executable";

export interface DraftEditor {
  append(text: string): Promise<void>;
  replaceAll(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface DraftResult {
  markdown: string;
  narrator: string;
  violations?: string[];
  notes?: string[];
  sources?: Record<string, string[]>; // chapter -> the changes it tells
}

// The documents the language client serves: the repository's markdown files, so a draft
// saved there (with its sidecar) gets its grounding diagnostics, hovers and quick fixes.
export function draftSelector(root: string): { scheme: string; language: string; pattern: string }[] {
  return [{ scheme: "file", language: "markdown", pattern: `${root}/**/*.md` }];
}

// The sidecar saved beside a draft, as `devlog draft --out` writes it: `devlog check
// --grounding` and the editor's diagnostics trace each chapter's claims to its changes.
export function sidecarFor(markdownPath: string, result: DraftResult): { path: string; content: string } | undefined {
  const sources = result.sources ?? {};
  if (Object.keys(sources).length === 0) return undefined;
  return { path: `${markdownPath}.sources.json`, content: JSON.stringify(sources, null, 2) + "\n" };
}

export class DraftSession {
  readonly buffer = new DraftBuffer();
  private closed = false;

  constructor(private readonly editor: DraftEditor) {}

  // A chunk of the streamed post (devlog/draftText); other requests' chunks are ignored.
  async stream(token: string, text: string): Promise<void> {
    if (this.closed || !this.buffer.accept(token, text)) return;
    await this.editor.append(text);
  }

  // Runs the request; the finished post replaces the streamed text. Cancelled or failed,
  // the editor is closed and the error passed on.
  async run(request: () => Promise<DraftResult>): Promise<DraftResult> {
    try {
      const result = await request();
      this.closed = true;
      await this.editor.replaceAll(result.markdown);
      return result;
    } catch (err) {
      this.closed = true;
      await this.editor.close();
      throw err;
    }
  }
}

export function isCancellation(err: unknown): boolean {
  const code = (err as { code?: number } | undefined)?.code;
  const name = (err as { name?: string } | undefined)?.name;
  return code === -32800 || name === "Canceled" || name === "CancellationError";
}
