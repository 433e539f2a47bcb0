"""What the learner holds between extractions is bounded by characters, users and age."""

from __future__ import annotations

import time

from langchain_core.messages import HumanMessage

from langprofile.extraction._held import HeldTurns
from langprofile.extraction._threads import ThreadCursors, own_turn


def test_held_turns_are_bounded_in_characters_per_user_and_in_all() -> None:
    held = HeldTurns(max_messages=50, max_chars=5_000, max_total_chars=20_000)
    for user in range(1_000):
        turns = [HumanMessage("x" * 2_000, id=f"{user}-{i}") for i in range(5)]
        held.hold(f"u{user}", held.context(f"u{user}", turns), about_user=True)
    assert held.chars <= 20_000
    assert sum(len(str(m.content)) for m in held.context("u999", [])) <= 5_000
    assert held.context("u0", []) == []  # the least recently active went first


def test_held_turns_expire() -> None:
    held = HeldTurns(max_messages=50, max_age=0.05)
    held.hold("ann", [HumanMessage("I speak Welsh", id="1")], about_user=True)
    time.sleep(0.1)
    assert held.context("ann", []) == []
    assert held.chars == 0


def test_thread_cursors_are_bounded_and_expire() -> None:
    cursors = ThreadCursors(max_threads=100, max_age=0.05)
    for n in range(1_000):
        cursors.new_messages(f"t{n}", [HumanMessage("hi", id=f"m{n}")])
    assert len(cursors) == 100
    time.sleep(0.1)
    cursors.new_messages("fresh", [HumanMessage("hi", id="f")])
    assert len(cursors) == 1


def test_own_turn_is_the_last_human_messages_and_the_reply() -> None:
    from langchain_core.messages import AIMessage

    history = [
        HumanMessage("a", id="1"),
        AIMessage("b", id="2"),
        HumanMessage("c", id="3"),
        HumanMessage("d", id="4"),
        AIMessage("e", id="5"),
    ]
    assert [m.id for m in own_turn(history)] == ["3", "4", "5"]
    assert own_turn([AIMessage("only a reply", id="x")]) == []
