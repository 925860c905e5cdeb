"""`devlog questions` and `devlog answer`: what only the author can say, asked before a draft.

The questions are chosen from the gaps in the story material of the range a draft would
tell (`story/questions`); an answer is a note of its question's kind, and a question whose
id an answer carries, or whose gap a note of the stretch fills, is never asked again.
"""

from __future__ import annotations

from devlogd.app import drafts
from devlogd.app.notes import answer
from devlogd.app.project import Project
from devlogd.app.selection import DraftSelection
from devlogd.errors import UsageError
from devlogd.protocol import AnswerParams, DraftOptions, NoteReply, QuestionsQuery, QuestionsReply
from devlogd.story.questions import choose_questions


def questions_for(project: Project, chosen: DraftSelection, query: QuestionsQuery) -> QuestionsReply:
    options = DraftOptions(since=query.since, until=query.until, authors=list(query.authors),
                           all_authors=query.all_authors)
    material = drafts.gather_material(project, chosen, options)
    return QuestionsReply(choose_questions(material, chosen.notes))


def answer_question(project: Project, chosen: DraftSelection, params: AnswerParams) -> NoteReply:
    """Record the answer to the question with ``params.id``, asked of the same range."""
    asked = questions_for(project, chosen, QuestionsQuery(since=params.since, until=params.until)).questions
    question = next((q for q in asked if q.id == params.id), None)
    if question is None:
        answered = any(n.question == params.id for n in chosen.notes)
        if answered:
            raise UsageError(f"{params.id} is already answered; `devlog notes --edit {params.id} \"…\"` changes it")
        ids = ", ".join(q.id for q in asked) or "none are open"
        raise UsageError(f"no open question has the id {params.id!r} for this range (`devlog questions` lists them: {ids})")
    return answer(project, question, params.text)
