// devlog's questions, offered before a draft: what only the author can say (why the work
// started, what came of it, ...), asked one at a time. An answer goes to the daemon
// (`devlog/answer`) and is never asked again; a skipped question is remembered here so it
// is not offered again; dismissing one (Escape) skips the rest. Pure: the request function
// and the asking are passed in, so it is tested without VS Code.

export interface Question {
  id: string;
  kind: string;
  gap: string;
  subjects: string[];
  text: string;
}

// What the author did with one question: an answer, "" to skip it, undefined to stop asking.
export type Ask = (question: Question, index: number, count: number) => Promise<string | undefined>;

export type Request = (method: string, params: unknown) => Promise<unknown>;

export interface Memory {
  skipped(): string[];
  remember(ids: string[]): Promise<void>;
}

export interface Asked {
  answered: number;
  skipped: number;
  offered: number;
}

export async function offerQuestions(request: Request, ask: Ask, memory: Memory,
  range: { since?: string; until?: string } = {}): Promise<Asked> {
  const reply = (await request("devlog/questions", range)) as { questions?: Question[] } | undefined;
  const skippedBefore = new Set(memory.skipped());
  const open = (reply?.questions ?? []).filter((q) => !skippedBefore.has(q.id));
  const done: Asked = { answered: 0, skipped: 0, offered: open.length };
  const skipped: string[] = [];
  for (const [index, question] of open.entries()) {
    const answer = await ask(question, index + 1, open.length);
    if (answer === undefined) break;
    if (answer.trim() === "") {
      skipped.push(question.id);
      continue;
    }
    await request("devlog/answer", { id: question.id, text: answer.trim(), ...range });
    done.answered += 1;
  }
  done.skipped = skipped.length;
  if (skipped.length) await memory.remember([...skippedBefore, ...skipped]);
  return done;
}
