"""Score the rule-based detector and the learner's gate on labelled conversations.

Usage: ``python benchmarks/detector_eval.py [--eval PATH] [-v]``. With no ``--eval`` it scores,
one after the other: the public set (``../shared/eval/conversations.jsonl`` next to the
repository, or ``$LANGPROFILE_EVAL_PATH``) and the held-out sets in ``benchmarks/data/``:
``heldout_v1`` and ``heldout_tune`` (the rules were tuned on them) and ``heldout_untouched``
(written from the labelling rules by someone who never saw the detector, and never used for
tuning: its figures are the ones to quote).

For each set it prints, against the targets:

- **coverage**: the share of relevant user turns that reach an LLM extraction, directly or
  carried into a later one, measured *through the real learner*: every conversation is
  replayed as its own user through ``ProfileLearner`` with a scripted extractor that records
  what it was shown (target >= 0.97);
- **direct-extraction precision** of ``SignalDetector.detect`` (target >= 0.95);
- **firing on irrelevant turns**: the gate's share of non-relevant user turns it sends to the
  LLM at once (target <= 0.25), and the share the safety net holds;
- **LLM extraction calls per user turn**, with the learner's debounce (a conversation's turns
  arrive within one debounce window, then the user goes quiet: target <= 1/3) and with no
  debounce (every turn flushed at once: the pessimistic bound);
- both again **with the learner's real timing**: its default ``debounce``, ``max_wait`` and
  ``idle``, user turns 3-20 s apart, every conversation at once on threads of its own, time
  scaled by ``TIME_SCALE`` (so the figure is what a deployment with the defaults would see).

Scoring of the detector itself follows the eval README:

- gate: recall on relevant turns, precision, false-positive rate on non-relevant trap turns and
  the fraction of all user turns let through;
- direct extraction: each (field, value) unit, list items separately, over the fields the
  detector covers only. Strings match case-insensitively after trimming and collapsing
  whitespace; timezones and enum values match exactly. No free-text field is covered, so no
  fuzzy matching is needed;
- conversation level: per-turn predictions folded with the README's rule and compared with
  ``expected``, per field, over conversations where either side has the field.

The pure functions here are imported by ``tests/test_detector.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_PATH = REPO_ROOT.parent / "shared" / "eval" / "conversations.jsonl"
LIST_FIELDS = frozenset({"languages", "domains", "tools", "current_projects", "pain_points"})
# Matched exactly: IANA names and schema enums.
EXACT_FIELDS = frozenset({"timezone", "expertise_level", "communication_style", "response_length"})

Conversation = Mapping[str, Any]


class Detector(Protocol):
    """What the scorer needs from a detector."""

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields ``detect`` covers; only these are scored."""
        ...

    def detect(self, text: str) -> dict[str, object]: ...

    def is_relevant(self, text: str) -> bool: ...


@dataclass
class Counts:
    """True positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when nothing was labelled."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    """Every figure the script prints."""

    turns: int = 0
    gate: Counts = field(default_factory=Counts)
    gated: int = 0
    trap_negatives: int = 0
    trap_false_positives: int = 0
    extraction: Counts = field(default_factory=Counts)
    per_field: dict[str, Counts] = field(default_factory=dict)
    fold_correct: dict[str, int] = field(default_factory=dict)
    fold_total: dict[str, int] = field(default_factory=dict)
    mistakes: list[str] = field(default_factory=list)
    detect_seconds: float = 0.0
    gate_seconds: float = 0.0


def load(path: Path) -> list[dict[str, Any]]:
    """The conversations in a JSONL file, one per non-empty line."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def user_turns(conversations: Iterable[Conversation]) -> Iterable[Mapping[str, Any]]:
    """Every user turn of every conversation, in order."""
    for conversation in conversations:
        for turn in conversation["turns"]:
            if turn["role"] == "user":
                yield turn


def normalize(field_name: str, value: object) -> object:
    """The comparable form of one scalar value or list item."""
    if isinstance(value, str) and field_name not in EXACT_FIELDS:
        return " ".join(value.split()).casefold()
    return value


def units(facts: Mapping[str, object], fields: Iterable[str]) -> set[tuple[str, object]]:
    """The (field, value) units of ``facts`` restricted to ``fields``; list items separately."""
    found: set[tuple[str, object]] = set()
    for name in fields:
        if name not in facts:
            continue
        value = facts[name]
        items = value if isinstance(value, list) else [value]
        found.update((name, normalize(name, item)) for item in items)
    return found


def fold(turn_facts: Iterable[Mapping[str, object]]) -> dict[str, object]:
    """The profile left after applying each turn's facts in order (the README's fold)."""
    profile: dict[str, object] = {}
    for facts in turn_facts:
        for name, value in facts.items():
            if name in LIST_FIELDS and isinstance(value, list):
                current = profile.setdefault(name, [])
                assert isinstance(current, list)
                seen = {normalize(name, item) for item in current}
                current.extend(item for item in value if normalize(name, item) not in seen)
            else:
                profile[name] = value
    return profile


def _same(name: str, left: object, right: object) -> bool:
    """Whether two folded values of one field agree, lists as sets of normalized items."""
    if isinstance(left, list) and isinstance(right, list):
        return {normalize(name, i) for i in left} == {normalize(name, i) for i in right}
    return normalize(name, left) == normalize(name, right)


def score(conversations: Sequence[Conversation], detector: Detector) -> Report:
    """Score ``detector`` on ``conversations`` as the eval README describes."""
    report = Report(per_field={name: Counts() for name in detector.fields})
    for conversation in conversations:
        predicted_turns: list[dict[str, object]] = []
        for turn in conversation["turns"]:
            if turn["role"] != "user":
                continue
            report.turns += 1
            text = turn["content"]
            started = time.perf_counter()
            gated = detector.is_relevant(text)
            checked = time.perf_counter()
            predicted = detector.detect(text)
            report.gate_seconds += checked - started
            report.detect_seconds += time.perf_counter() - checked
            _score_gate(report, turn, gated)
            predicted_turns.append(predicted)
            _score_units(report, detector.fields, turn, predicted)
        _score_fold(report, detector.fields, conversation, predicted_turns)
    return report


def _score_gate(report: Report, turn: Mapping[str, Any], gated: bool) -> None:
    """Add one gate decision to ``report``."""
    relevant = bool(turn["relevant"])
    report.gated += gated
    report.gate.tp += gated and relevant
    report.gate.fp += gated and not relevant
    report.gate.fn += relevant and not gated
    if "trap" in turn and not relevant:
        report.trap_negatives += 1
        report.trap_false_positives += gated
    if relevant != gated:
        report.mistakes.append(f"gate={gated} relevant={relevant}: {turn['content']!r}")


def _score_units(
    report: Report,
    fields: Sequence[str],
    turn: Mapping[str, Any],
    predicted: Mapping[str, object],
) -> None:
    """Add one turn's extraction units to ``report``, overall and per field."""
    labelled = units(turn["facts"], fields)
    guessed = units(predicted, fields)
    for unit in guessed | labelled:
        counts = report.per_field[unit[0]]
        hit_tp = unit in guessed and unit in labelled
        hit_fp = unit in guessed and unit not in labelled
        hit_fn = unit in labelled and unit not in guessed
        for target in (counts, report.extraction):
            target.tp += hit_tp
            target.fp += hit_fp
            target.fn += hit_fn
        if hit_fp or hit_fn:
            kind = "FP" if hit_fp else "FN"
            report.mistakes.append(f"{kind} {unit[0]}={unit[1]!r}: {turn['content']!r}")


def _score_fold(
    report: Report,
    fields: Sequence[str],
    conversation: Conversation,
    predicted_turns: Sequence[Mapping[str, object]],
) -> None:
    """Compare the folded predictions with ``expected``, per covered field."""
    folded = fold(predicted_turns)
    expected = conversation["expected"]
    for name in fields:
        if name not in folded and name not in expected:
            continue
        report.fold_total[name] = report.fold_total.get(name, 0) + 1
        agree = name in folded and name in expected and _same(name, folded[name], expected[name])
        report.fold_correct[name] = report.fold_correct.get(name, 0) + agree


def render(report: Report, *, verbose: bool = False) -> str:
    """The report as printed text."""
    gate = report.gate
    relevant = gate.tp + gate.fn
    trap_rate = report.trap_false_positives / report.trap_negatives if report.trap_negatives else 0
    lines = [
        f"user turns: {report.turns}   relevant: {relevant}",
        "",
        "gate (is_relevant)",
        f"  recall     {gate.recall:.3f}  ({gate.tp}/{relevant})",
        f"  precision  {gate.precision:.3f}  ({gate.tp}/{gate.tp + gate.fp})",
        f"  false-positive rate on non-relevant traps  {trap_rate:.3f}"
        f"  ({report.trap_false_positives}/{report.trap_negatives})",
        f"  turns gated through  {report.gated / max(report.turns, 1):.3f}"
        f"  ({report.gated}/{report.turns})",
        "",
        "direct extraction (detect), exact match after normalization",
        f"  micro precision {report.extraction.precision:.3f}  recall "
        f"{report.extraction.recall:.3f}  (tp={report.extraction.tp} fp={report.extraction.fp}"
        f" fn={report.extraction.fn})",
    ]
    for name, counts in report.per_field.items():
        lines.append(
            f"  {name:<22} precision {counts.precision:.3f}  recall {counts.recall:.3f}"
            f"  (tp={counts.tp} fp={counts.fp} fn={counts.fn})"
        )
    lines += ["", "conversation-level fold accuracy (conversations where either side has it)"]
    for name in report.per_field:
        total = report.fold_total.get(name, 0)
        if not total:
            continue
        correct = report.fold_correct.get(name, 0)
        lines.append(f"  {name:<22} {correct / total:.3f}  ({correct}/{total})")
    turns = max(report.turns, 1)
    lines += [
        "",
        f"mean time per turn: detect {report.detect_seconds / turns * 1e6:.0f} us, "
        f"is_relevant {report.gate_seconds / turns * 1e6:.0f} us",
    ]
    if verbose:
        lines += ["", "mistakes:", *(f"  {m}" for m in report.mistakes)]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Replay through the real learner
# --------------------------------------------------------------------------------------------

#: Targets of the gate (issue #6): coverage, precision, irrelevant firing, calls per turn.
COVERAGE_TARGET = 0.97
PRECISION_TARGET = 0.95
FIRING_TARGET = 0.25
CALLS_TARGET = 1 / 3
#: A debounce window longer than any replayed conversation.
_WINDOW = 3600.0


@dataclass
class Replay:
    """What replaying conversations through ``ProfileLearner`` cost and covered."""

    debounced: bool
    user_turns: int = 0
    relevant: int = 0
    covered: int = 0
    llm_calls: int = 0
    net_extractions: int = 0
    missed: list[str] = field(default_factory=list)
    """Relevant turns whose text reached no extraction."""

    @property
    def coverage(self) -> float:
        """Relevant turns that reached an extraction."""
        return self.covered / self.relevant if self.relevant else 1.0

    @property
    def calls_per_turn(self) -> float:
        """LLM extraction calls per user turn."""
        return self.llm_calls / self.user_turns if self.user_turns else 0.0


def _counting_step(messages: list[Any]) -> Any:
    """The extractor's reply: create a profile, or patch the shown one without a change."""
    from langprofile.testing import create_step, patch_step

    if any("<instance id=" in str(m.content) for m in messages):
        return patch_step()(messages)
    return create_step(name="Alice Chen")


def replay(conversations: Sequence[Conversation], *, debounced: bool) -> Replay:
    """Replay every conversation as its own user through the learner (sync, in memory).

    ``debounced``: one debounce window per conversation, then the user goes quiet
    (``flush()``): what the gate let through and what the safety net held are extracted
    together. Otherwise ``debounce=0`` and ``flush()`` after every turn.
    """
    from langchain_core.messages import AIMessage, HumanMessage
    from langgraph.store.memory import InMemoryStore

    from langprofile import ProfileLearner, ProfileStore
    from langprofile.testing import ScriptedChatModel

    extractor = ScriptedChatModel(script=[_counting_step], cycle=True)
    window = _WINDOW if debounced else 0.0
    learner = ProfileLearner(
        ProfileStore(InMemoryStore()), extractor, debounce=window, max_wait=window, idle=window
    )
    result = Replay(debounced)
    for n, conversation in enumerate(conversations):
        user = f"replay-{n}"
        config = {"configurable": {"user_id": user, "thread_id": user}}
        history: list[Any] = []
        before = len(extractor.calls)
        for i, turn in enumerate(conversation["turns"]):
            message_type = HumanMessage if turn["role"] == "user" else AIMessage
            history.append(message_type(turn["content"], id=f"{user}-{i}"))
            if turn["role"] != "assistant":
                continue
            learner.invoke({"messages": list(history)}, config)
            if not debounced and not learner.flush(60):
                raise RuntimeError("background learning did not finish in 60 s")
        if not learner.flush(60):
            raise RuntimeError("background learning did not finish in 60 s")
        shown = "\n".join(
            str(m.content) for call in extractor.calls[before:] for m in call if m.type == "human"
        )
        for turn in conversation["turns"]:
            if turn["role"] != "user":
                continue
            result.user_turns += 1
            if turn["relevant"]:
                result.relevant += 1
                if turn["content"] in shown:
                    result.covered += 1
                else:
                    result.missed.append(turn["content"])
    metrics = learner.metrics()
    result.llm_calls = len(extractor.calls)
    result.net_extractions = metrics["net_extractions"]
    return result


#: Real time is replayed this much faster: a turn gap of 10 s takes 1 s.
TIME_SCALE = 0.1
#: Seconds between a reply and the user's next message, drawn uniformly (before scaling).
TURN_GAPS = (3.0, 20.0)


def replay_timed(
    conversations: Sequence[Conversation], *, seed: int = 7, **learner_options: float
) -> Replay:
    """Replay with the learner's real timing: its default debounce, max_wait and idle (or
    ``learner_options``) and user turns 3-20 s apart, all scaled by :data:`TIME_SCALE`.

    Conversations run at once, each as its own user on a thread of its own, as on a server.
    """
    import inspect
    import random
    import threading
    import time

    from langchain_core.messages import AIMessage, HumanMessage
    from langgraph.store.memory import InMemoryStore

    from langprofile import ProfileLearner, ProfileStore
    from langprofile.testing import ScriptedChatModel

    defaults = {
        name: float(parameter.default)
        for name, parameter in inspect.signature(ProfileLearner).parameters.items()
        if name in ("debounce", "max_wait", "idle")
    }
    timing = {
        name: TIME_SCALE * learner_options.get(name, value) for name, value in defaults.items()
    }
    extractor = ScriptedChatModel(script=[_counting_step], cycle=True)
    learner = ProfileLearner(ProfileStore(InMemoryStore()), extractor, **timing)
    rng = random.Random(seed)
    gaps = [
        [TIME_SCALE * rng.uniform(*TURN_GAPS) for _ in conversation["turns"]]
        for conversation in conversations
    ]

    def talk(n: int, conversation: Conversation) -> None:
        user = f"timed-{n}"
        config = {"configurable": {"user_id": user, "thread_id": user}}
        history: list[Any] = []
        for i, turn in enumerate(conversation["turns"]):
            message_type = HumanMessage if turn["role"] == "user" else AIMessage
            history.append(message_type(turn["content"], id=f"{user}-{i}"))
            if turn["role"] == "assistant":
                learner.invoke({"messages": list(history)}, config)
                time.sleep(gaps[n][i])

    threads = [threading.Thread(target=talk, args=(n, c)) for n, c in enumerate(conversations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The users go quiet: the safety net and the debounce run out on their own, no flush.
    time.sleep(TIME_SCALE * max(defaults["idle"], defaults["max_wait"]) * 2 + 0.5)
    if not learner.flush(60):
        raise RuntimeError("background learning did not finish in 60 s")
    shown = "\n".join(str(m.content) for call in extractor.calls for m in call if m.type == "human")
    result = Replay(debounced=True)
    for turn in user_turns(conversations):
        result.user_turns += 1
        if turn["relevant"]:
            result.relevant += 1
            if turn["content"] in shown:
                result.covered += 1
            else:
                result.missed.append(turn["content"])
    result.llm_calls = len(extractor.calls)
    result.net_extractions = learner.metrics()["net_extractions"]
    return result


@dataclass
class Firing:
    """How the gate and the safety net treat the non-relevant user turns."""

    irrelevant: int = 0
    fired: int = 0
    held: int = 0

    @property
    def rate(self) -> float:
        """Share of non-relevant turns sent to the LLM at once."""
        return self.fired / self.irrelevant if self.irrelevant else 0.0


def firing(conversations: Sequence[Conversation], detector: Any) -> Firing:
    """The gate's decisions on the non-relevant user turns."""
    out = Firing()
    for turn in user_turns(conversations):
        if turn["relevant"]:
            continue
        assessed = detector.assess(turn["content"])
        out.irrelevant += 1
        out.fired += assessed.relevant
        out.held += assessed.about_user and not assessed.relevant
    return out


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def render_summary(
    report: Report,
    fire: Firing,
    debounced: Replay,
    per_turn: Replay,
    timed: Replay,
    *,
    verbose: bool = False,
) -> str:
    """The figures the gate is judged by, against their targets."""
    precision = report.extraction.precision
    lines = [
        f"  coverage of relevant turns (through the learner, debounced) {debounced.coverage:.3f}"
        f"  ({debounced.covered}/{debounced.relevant})  target >= {COVERAGE_TARGET}: "
        f"{_met(debounced.coverage >= COVERAGE_TARGET)}",
        f"  coverage with no debounce (flush every turn)               {per_turn.coverage:.3f}"
        f"  ({per_turn.covered}/{per_turn.relevant})",
        f"  gate recall (fires at once on a relevant turn)             {report.gate.recall:.3f}"
        f"  ({report.gate.tp}/{report.gate.tp + report.gate.fn}); the safety net holds the rest",
        f"  direct-extraction precision                                {precision:.3f}"
        f"  (tp={report.extraction.tp} fp={report.extraction.fp})  target >= "
        f"{PRECISION_TARGET}: {_met(precision >= PRECISION_TARGET)}",
        f"  gate firing on irrelevant turns                            {fire.rate:.3f}"
        f"  ({fire.fired}/{fire.irrelevant})  target <= {FIRING_TARGET}: "
        f"{_met(fire.rate <= FIRING_TARGET)}; held for the safety net: "
        f"{fire.held / max(fire.irrelevant, 1):.3f}",
        f"  LLM calls per user turn, debounced                         "
        f"{debounced.calls_per_turn:.3f}  ({debounced.llm_calls}/{debounced.user_turns}, "
        f"{debounced.net_extractions} by the safety net)  target <= {CALLS_TARGET:.3f}: "
        f"{_met(debounced.calls_per_turn <= CALLS_TARGET)}",
        f"  with the learner's default timing (turns 3-20 s apart)     coverage "
        f"{timed.coverage:.3f}  ({timed.covered}/{timed.relevant}), "
        f"{timed.calls_per_turn:.3f} LLM calls per user turn ({timed.net_extractions} by the "
        "safety net)",
        f"  LLM calls per user turn, no debounce                       "
        f"{per_turn.calls_per_turn:.3f}  ({per_turn.llm_calls}/{per_turn.user_turns}, "
        f"{per_turn.net_extractions} by the safety net)",
    ]
    if verbose:
        lines += [f"    missed (debounced): {text!r}" for text in debounced.missed]
        lines += [f"    missed (no debounce): {text!r}" for text in per_turn.missed]
    return "\n".join(lines)


DATA = REPO_ROOT / "benchmarks" / "data"
#: The held-out sets, in the order they are printed, and what each one is.
HELDOUT_SETS: tuple[tuple[str, str], ...] = (
    ("heldout_v1.jsonl", "held-out v1 (tuned on)"),
    ("heldout_tune.jsonl", "held-out tune batch (tuned on)"),
    ("heldout_untouched.jsonl", "held-out untouched batch (never tuned on: the reported figure)"),
)


def evaluate(path: Path, title: str, *, verbose: bool = False) -> str:
    """Every figure for one file, as printed."""
    from langprofile import SignalDetector

    conversations = load(path)
    detector = SignalDetector()
    report = score(conversations, detector)
    debounced = replay(conversations, debounced=True)
    per_turn = replay(conversations, debounced=False)
    head = (
        f"== {title}: {path.name}, {len(conversations)} conversations, {report.turns} user "
        f"turns, {report.gate.tp + report.gate.fn} relevant"
    )
    timed = replay_timed(conversations)
    summary = render_summary(
        report, firing(conversations, detector), debounced, per_turn, timed, verbose=verbose
    )
    body = render(report, verbose=verbose) if verbose else ""
    return "\n".join(part for part in (head, summary, body) if part)


def eval_path(argument: str | None) -> Path:
    """The eval file: the argument, else ``$LANGPROFILE_EVAL_PATH``, else the default."""
    if argument:
        return Path(argument)
    from_env = os.environ.get("LANGPROFILE_EVAL_PATH")
    return Path(from_env) if from_env else DEFAULT_EVAL_PATH


def main(argv: Sequence[str] | None = None) -> int:
    """Score every set and print the report; 2 if the eval file is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--eval", help="score only this conversations.jsonl")
    parser.add_argument("-v", "--verbose", action="store_true", help="full report, every mistake")
    args = parser.parse_args(argv)
    path = eval_path(args.eval)
    if not path.is_file():
        print(f"eval file not found: {path}", file=sys.stderr)
        return 2
    sets = [(path, "public eval set" if args.eval is None else "scored file")]
    if args.eval is None:
        sets += [(DATA / name, title) for name, title in HELDOUT_SETS]
    for number, (target, title) in enumerate(sets):
        print(("\n" if number else "") + evaluate(target, title, verbose=args.verbose), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
