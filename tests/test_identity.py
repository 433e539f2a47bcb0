"""Who a run is for: the authenticated user on a server, else the run's context or config."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.store.memory import InMemoryStore

from langprofile import (
    MissingUserIdError,
    ProfileInjector,
    ProfileLearner,
    ProfileStore,
    UserIdMismatchError,
)


class User:
    """A server's authenticated user (``langgraph_sdk.auth`` users expose ``identity``)."""

    def __init__(self, identity: str, authenticated: bool = True) -> None:
        self.identity = identity
        self.is_authenticated = authenticated


class StudioUser(User):
    """LangSmith Studio's stand-in user: not an end user."""


def _graph(profiles: ProfileStore[Any]) -> Any:
    learner = ProfileLearner(profiles, debounce=0.0)
    builder = StateGraph(MessagesState)
    builder.add_node("profile", ProfileInjector(profiles))
    builder.add_node("learn", learner)
    builder.add_edge(START, "profile")
    builder.add_edge("profile", "learn")
    return builder.compile(), learner


def _run(graph: Any, text: str, **configurable: Any) -> Any:
    return graph.invoke(
        {"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": "t", **configurable}}
    )


def test_the_authenticated_user_is_the_user() -> None:
    profiles = ProfileStore(InMemoryStore())
    profiles.update("alice", {"name": "Alice"})
    profiles.update("bob", {"name": "Bob"})
    graph, learner = _graph(profiles)
    # No user id given: the authenticated identity is used.
    state = _run(graph, "I speak Welsh.", langgraph_auth_user=User("alice"))
    assert "Alice" in state["messages"][0].content
    assert learner.flush(10)
    assert profiles.get("alice").profile.languages == ["Welsh"]
    # Naming oneself is fine; naming someone else is refused before anything is read.
    _run(graph, "hi", langgraph_auth_user=User("alice"), user_id="alice")
    with pytest.raises(UserIdMismatchError, match="authenticated as another user"):
        _run(graph, "I speak Basque.", langgraph_auth_user=User("alice"), user_id="bob")
    assert learner.flush(10)
    assert profiles.get("bob").profile.languages is None
    assert issubclass(UserIdMismatchError, PermissionError)


@pytest.mark.parametrize(
    "user", [None, {"identity": "", "is_authenticated": False}, StudioUser("langgraph-studio-user")]
)
def test_without_an_end_user_the_run_names_its_user(user: Any) -> None:
    profiles = ProfileStore(InMemoryStore())
    profiles.update("carol", {"name": "Carol"})
    graph, _ = _graph(profiles)
    state = _run(graph, "hi", langgraph_auth_user=user, user_id="carol")
    assert "Carol" in state["messages"][0].content
    # An empty user id, as a server fills in, is missing, not invalid.
    with pytest.raises(MissingUserIdError, match="no user id"):
        _run(graph, "hi", langgraph_auth_user=user, user_id="")


def test_a_mapping_user_works_too() -> None:
    profiles = ProfileStore(InMemoryStore())
    profiles.update("dan", {"name": "Dan"})
    graph, _ = _graph(profiles)
    state = _run(graph, "hi", langgraph_auth_user={"identity": "dan", "is_authenticated": True})
    assert "Dan" in state["messages"][0].content
