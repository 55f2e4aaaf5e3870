"""API: polls, topics, proposals, votes, results, offline tallies and the decision."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.api.envelope import envelope, errors_doc, ok, paginate
from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.episodes.queries import episode_of
from app.extensions import db
from app.polls import decisions, proposals, queries, services, tallies
from app.polls.limits import proposal_limits, vote_limits
from app.polls.models import Poll
from app.polls.schemas import (DecisionArgs, PollCreateArgs, PollDetailSchema, PollListArgs, PollSchema,
                               PollUpdateArgs, ProposalArgs, ResultsSchema, ReviewArgs, TallyArgs, TallyEditArgs,
                               TallySchema, TopicArgs, TopicSchema, VoteArgs, VoteSchema)

blp = Blueprint("api_polls", __name__, url_prefix="/api/v1", description="Topic polls")
_alt = errors_doc(blp)


def _detail(poll: Poll) -> dict:
    actor = current_actor()
    episode = episode_of(poll)
    if episode is not None and episode.state == "draft" and not actor.is_coordinator:
        episode = None
    body = {name: getattr(poll, name) for name in PollSchema().fields}
    body.update(topics=queries.visible_topics(actor, poll), my_votes=sorted(services.my_votes(actor, poll.id)),
                results=queries.results(poll).as_dict(), episode_id=episode.id if episode else None)
    return body


@blp.get("/polls")
@blp.arguments(PollListArgs, location="query")
@blp.response(200, envelope(PollSchema, paged=True))
@_alt("422")
def list_polls(args: dict):
    """Polls, newest first (drafts only for the coordinator); filter with ?state=."""
    query = queries.visible_polls(current_actor())
    if args.get("state"):
        query = query.where(Poll.state == args["state"])
    items, meta = paginate(query, args["page"], args["per_page"])
    return ok(items, meta)


@blp.post("/polls")
@blp.arguments(PollCreateArgs)
@blp.response(201, envelope(PollSchema))
@_alt("401", "403", "422")
def create_poll(args: dict):
    """Create a draft poll (coordinator). It opens by itself at opens_at once it has two approved topics."""
    with unit_of_work():
        poll = services.create_poll(current_actor(), now=clock.now(), **args)
    return ok(poll)


@blp.get("/polls/<int:poll_id>")
@blp.response(200, envelope(PollDetailSchema))
@_alt("404")
def get_poll(poll_id: int):
    """A poll with its topics, the caller's votes, the results (numbers only when shown) and the episode."""
    return ok(_detail(services.get_poll(current_actor(), poll_id)))


@blp.patch("/polls/<int:poll_id>")
@blp.arguments(PollUpdateArgs)
@blp.response(200, envelope(PollSchema))
@_alt("401", "403", "404", "409", "422")
def update_poll(args: dict, poll_id: int):
    """Change a poll (coordinator); once open, opens_at, votes_per_person and counts_visible are fixed."""
    with unit_of_work():
        poll = services.update_poll(current_actor(), poll_id, now=clock.now(), **args)
    return ok(poll)


@blp.get("/polls/<int:poll_id>/results")
@blp.response(200, envelope(ResultsSchema))
@_alt("404")
def get_results(poll_id: int):
    """Online, offline and total counts per approved topic; without any number while they are hidden."""
    return ok(queries.results(services.get_poll(current_actor(), poll_id)).as_dict())


@blp.post("/polls/<int:poll_id>/topics")
@blp.arguments(TopicArgs)
@blp.response(201, envelope(TopicSchema))
@_alt("401", "403", "404", "409", "422")
def add_topic(args: dict, poll_id: int):
    """Add an approved candidate topic (coordinator)."""
    with unit_of_work():
        topic = services.add_topic(current_actor(), poll_id, now=clock.now(), title=args["title"],
                                   domain_code=args["domain"], description=args["description"],
                                   place_kind=args["place_kind"])
    return ok(topic)


@blp.post("/polls/<int:poll_id>/proposals")
@proposal_limits
@blp.arguments(ProposalArgs)
@blp.response(201, envelope(TopicSchema))
@_alt("401", "404", "409", "422", "429")
def propose(args: dict, poll_id: int):
    """Propose a topic (logged in); it stays pending, seen by the proposer and the coordinator."""
    with unit_of_work():
        topic = proposals.propose(current_actor(), poll_id, now=clock.now(), title=args["title"],
                                  domain_code=args["domain"], why=args["why"], place_kind=args["place_kind"])
    return ok(topic)


@blp.get("/polls/<int:poll_id>/proposals")
@blp.response(200, envelope(TopicSchema, many=True))
@_alt("401", "403", "404")
def list_proposals(poll_id: int):
    """Proposals awaiting review (coordinator)."""
    actor = current_actor()
    services.require_coordinator(actor)
    return ok(queries.pending_proposals(services.get_poll(actor, poll_id)))


@blp.post("/polls/<int:poll_id>/proposals/<int:topic_id>/review")
@blp.arguments(ReviewArgs)
@blp.response(200, envelope(TopicSchema))
@_alt("401", "403", "404", "409", "422")
def review_proposal(args: dict, poll_id: int, topic_id: int):
    """Approve, reject (with a reason shown to the proposer) or merge into another topic (coordinator)."""
    actor, now = current_actor(), clock.now()
    with unit_of_work():
        if args["action"] == "approve":
            topic = proposals.approve(actor, poll_id, topic_id, now=now)
        elif args["action"] == "reject":
            topic = proposals.reject(actor, poll_id, topic_id, reason=args["reason"], now=now)
        else:
            topic = proposals.merge(actor, poll_id, topic_id, into_topic_id=args.get("into_topic_id"), now=now)
    return ok(topic)


@blp.post("/polls/<int:poll_id>/votes")
@vote_limits
@blp.arguments(VoteArgs)
@blp.response(201, envelope(VoteSchema))
@_alt("401", "404", "409", "422", "429")
def vote(args: dict, poll_id: int):
    """Vote for an approved topic of an open poll (once per topic, up to votes_per_person)."""
    with unit_of_work():
        recorded = services.vote(current_actor(), poll_id, args["topic_id"], now=clock.now())
    return ok(recorded)


@blp.delete("/polls/<int:poll_id>/votes/<int:topic_id>")
@vote_limits
@blp.response(200, envelope(ResultsSchema))
@_alt("401", "404", "409", "429")
def withdraw(poll_id: int, topic_id: int):
    """Withdraw one's vote for a topic while the poll is open; answers with the results."""
    actor = current_actor()
    with unit_of_work():
        services.withdraw(actor, poll_id, topic_id, now=clock.now())
    return ok(queries.results(services.get_poll(actor, poll_id)).as_dict())


@blp.post("/polls/<int:poll_id>/tallies")
@blp.arguments(TallyArgs)
@blp.response(201, envelope(TallySchema))
@_alt("401", "403", "404", "409", "422")
def add_tally(args: dict, poll_id: int):
    """Enter an offline count with its source and date (coordinator; audit-logged)."""
    with unit_of_work():
        tally = tallies.add_tally(current_actor(), poll_id, now=clock.now(), **args)
    return ok(tally)


@blp.patch("/polls/<int:poll_id>/tallies/<int:tally_id>")
@blp.arguments(TallyEditArgs)
@blp.response(200, envelope(TallySchema))
@_alt("401", "403", "404", "409", "422")
def edit_tally(args: dict, poll_id: int, tally_id: int):
    """Correct an offline count; the reason is required and recorded with the old and new values."""
    with unit_of_work():
        tally = tallies.edit_tally(current_actor(), poll_id, tally_id, now=clock.now(), **args)
    return ok(tally)


@blp.post("/polls/<int:poll_id>/decision")
@blp.arguments(DecisionArgs)
@blp.response(200, envelope(PollSchema))
@_alt("401", "403", "404", "409", "422")
def decide(args: dict, poll_id: int):
    """Choose the topic (coordinator); a public reason is required when it was not the most voted."""
    with unit_of_work():
        poll = decisions.decide(current_actor(), poll_id, topic_id=args["topic_id"], reason=args["reason"],
                                now=clock.now())
    db.session.refresh(poll)
    return ok(poll)
