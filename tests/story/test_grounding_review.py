"""The model narrator's review step grounds its draft: a claim the sources contradict goes
back to the model with the review's problems and is revised away before the post is
returned (the real anthropic SDK against the loopback Messages API server)."""

from __future__ import annotations

import json

import pytest

from tests.gitrepo import GitRepo
from tests.messages_server import MessagesServer, Reply
from tests.story.test_agent import PLAN, api, bodies, story  # noqa: F401  (fixtures)
from tests.story.test_claude import GOOD_POST, draft

WRONG = "I added `handle_vanished_tweet_event` for it, the last of 40 changes."


def test_a_contradicted_claim_is_revised_before_the_post_is_returned(
        api: MessagesServer, story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    planted = GOOD_POST.replace("I had to fix that.", "I had to fix that. " + WRONG)
    api.script(Reply(text=json.dumps(PLAN)), Reply(text=planted), Reply(text='{"problems": []}'),
               Reply(text=GOOD_POST))
    code, out, err = draft(capsys, story, "--narrator", "claude")
    assert code == 0 and out == GOOD_POST
    assert "the review found 2 problem(s); revising once" in err
    revise = bodies(api)[-1]["messages"][-1]["content"]  # type: ignore[index]
    assert "`handle_vanished_tweet_event` is named by no change, note or file" in revise
    assert "40 changes, but the sources hold 2 changes" in revise


def test_a_draft_whose_claims_stand_is_not_revised(api: MessagesServer, story: GitRepo,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    api.script(Reply(text=json.dumps(PLAN)), Reply(text=GOOD_POST), Reply(text='{"problems": []}'))
    code, out, _ = draft(capsys, story, "--narrator", "claude")
    assert code == 0 and out == GOOD_POST and len(api.message_requests) == 3
