"""`devlog questions` and `devlog answer`: what only the author can say, asked before a draft.

The questions are chosen from the gaps in the story material of the range a draft would
tell (`story/questions`); an answer is a note of its question's kind, and a question whose
id an answer carries, or whose gap a note of the stretch fills, is never asked again.
With Claude configured, the model chooses among the open gaps and may reword them (one
short call, shown by `--dry-run`); any failure there leaves the rules' choice.
"""

from __future__ import annotations

import logging

from devlogd.app import drafts, narrators
from devlogd.app.notes import answer
from devlogd.app.project import Project
from devlogd.app.selection import DraftSelection
from devlogd.errors import NarratorError, UsageError
from devlogd.models import GAP_KINDS, Question
from devlogd.protocol import AnswerParams, DraftOptions, NoteReply, QuestionsQuery, QuestionsReply
from devlogd.story import questions as asking
from devlogd.story.material import Material

log = logging.getLogger(__name__)


def questions_for(project: Project, chosen: DraftSelection, query: QuestionsQuery,
                  api_key: str | None = None, base_url: str | None = None) -> QuestionsReply:
    options = DraftOptions(since=query.since, until=query.until, authors=list(query.authors),
                           all_authors=query.all_authors)
    material = drafts.gather_material(project, chosen, options)
    candidates = asking.choose_questions(material, chosen.notes, limit=len(GAP_KINDS))
    rules = QuestionsReply(candidates[:asking.MAX_QUESTIONS])
    choice = narrators.choose(project.config, "auto", api_key, base_url)
    if query.rules or not candidates or choice.kind != "claude" or choice.credentials is None:
        return rules
    return _chosen_by_claude(project, material, candidates, choice.credentials, query.dry_run, rules)


def _chosen_by_claude(project: Project, material: Material, candidates: list[Question],
                      credentials: tuple[str, str | None], dry_run: bool, rules: QuestionsReply) -> QuestionsReply:
    from devlogd.story.narrators.claude import ClaudeNarrator, Credentials
    from devlogd.story.prompt import redact_request

    model = project.config.narrator.enrich_model  # the cheaper model: a short choice, not a post
    request = redact_request(asking.choice_request(material, candidates, model))
    if dry_run:
        return QuestionsReply(rules.questions, asked_by="rules (dry run)", request=request)
    narrator = ClaudeNarrator(Credentials(*credentials), timeout=min(project.config.narrator.timeout, 60.0),
                              max_retries=1)
    try:
        text = narrator.narrate(request).text
        return QuestionsReply(asking.parse_choice(text, candidates), asked_by=f"claude ({model})")
    except (NarratorError, ValueError) as err:
        log.info("the model's choice of questions failed: %s", err)
        return QuestionsReply(rules.questions, note=f"{model} could not choose the questions ({err}); "
                                                    "the rules chose them")


def answer_question(project: Project, chosen: DraftSelection, params: AnswerParams) -> NoteReply:
    """Record the answer to the question with ``params.id``, asked of the same range (any
    open gap's question: a model may have chosen one the rules would leave for later)."""
    options = DraftOptions(since=params.since, until=params.until)
    material = drafts.gather_material(project, chosen, options)
    asked = asking.choose_questions(material, chosen.notes, limit=len(GAP_KINDS))
    question = next((q for q in asked if q.id == params.id), None)
    if question is None:
        answered = any(n.question == params.id for n in chosen.notes)
        if answered:
            raise UsageError(f"{params.id} is already answered; `devlog notes edit {params.id} \"…\"` changes it")
        ids = ", ".join(q.id for q in asked) or "none are open"
        raise UsageError(f"no open question has the id {params.id!r} for this range (`devlog questions` lists them: {ids})")
    return answer(project, question, params.text)
