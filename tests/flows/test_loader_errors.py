"""Each kind of mistake in a flow file is reported with its file, line and a stable code."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent, indent

import pytest

from bot.core.issues import FlowError
from bot.flows.loader import load_flows, read_flow

HEADER = "spec: 1\nid: demo\nstart: first\nnodes:\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(header + indent(dedent(body), "  "), encoding="utf-8")
    return path


def issues_of(path: Path) -> list[tuple[int, str]]:
    _, issues = read_flow(path)
    return [(issue.line, issue.code) for issue in issues]


CASES = [
    pytest.param(
        """\
        first:
          ask: "unclosed
        """,
        (7, "yaml"),
        id="not-yaml",
    ),
    pytest.param(
        """\
        first:
          say: Hello
        first:
          say: Again
        """,
        (7, "yaml"),
        id="duplicate-key",
    ),
    pytest.param(
        """\
        first:
          say: Hello
          colour: blue
        """,
        (7, "schema"),
        id="unknown-key",
    ),
    pytest.param(
        """\
        first:
          ask: How old are you?
          type: age
        """,
        (7, "schema"),
        id="unknown-question-type",
    ),
    pytest.param(
        """\
        first:
          ask: Pick one
          type: choice
        """,
        (5, "schema"),
        id="choice-without-choices",
    ),
    pytest.param(
        """\
        first:
          say: Hello
          next: nowhere
        """,
        (7, "dangling-next"),
        id="dangling-next",
    ),
    pytest.param(
        """\
        first:
          say: Hello
        island:
          say: Nobody comes here
        """,
        (7, "unreachable"),
        id="unreachable",
    ),
    pytest.param(
        """\
        first:
          do: send_fax
        """,
        (5, "unknown-action"),
        id="unknown-action",
    ),
    pytest.param(
        """\
        first:
          do: set_language
          with: {colour: blue}
        """,
        (5, "action-arguments"),
        id="action-arguments",
    ),
    pytest.param(
        """\
        first:
          ask: Did you serve?
          type: yes_no
          tags: {yes: [hero]}
        """,
        (8, "unknown-tag"),
        id="unknown-tag",
    ),
    pytest.param(
        """\
        first:
          say: Round
          next: second
        second:
          say: and round
          next: first
        """,
        (5, "loop-without-question"),
        id="loop-without-question",
    ),
    pytest.param(
        """\
        first:
          ask: ""
          type: text
        """,
        (5, "missing-text"),
        id="missing-text",
    ),
    pytest.param(
        """\
        first:
          say: Hello
          next:
            - when: {answer: age, below: 16}
              goto: first
        """,
        (8, "unknown-answer"),
        id="condition-reads-no-question",
    ),
    pytest.param(
        """\
        first:
          say: "You live in {state}."
        """,
        (5, "unknown-placeholder"),
        id="unknown-placeholder",
    ),
    pytest.param(
        """\
        first:
          ask: Pick one
          type: choice
          choices:
            - id: halt
              label: Halt
              keywords: {en: [stop]}
        """,
        (9, "keyword-clash"),
        id="keyword-clash",
    ),
]


@pytest.mark.parametrize(("body", "expected"), CASES)
def test_each_error_is_reported_with_its_line(
    tmp_path: Path, body: str, expected: tuple[int, str]
) -> None:
    assert expected in issues_of(write(tmp_path, body))


def test_a_yaml_error_names_where_the_broken_part_starts(tmp_path: Path) -> None:
    _, issues = read_flow(write(tmp_path, 'first:\n  ask: "unclosed\n'))
    assert "line 6" in issues[0].message


def test_a_spec_newer_than_this_homeward_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "  first:\n    say: Hi\n", header="spec: 9\nid: demo\nnodes:\n")
    assert issues_of(path) == [(1, "spec-version")]


def test_the_file_name_is_the_flow_id(tmp_path: Path) -> None:
    path = write(tmp_path, "  first:\n    say: Hi\n", header="spec: 1\nid: other\nnodes:\n")
    assert (2, "schema") in issues_of(path)


def test_an_older_spec_is_migrated_before_it_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "  first:\n    message: Hi\n", header="spec: 0\nid: demo\nnodes:\n")
    assert issues_of(path) == [(1, "spec-version")]  # no migration registered for 0

    def rename_message_to_say(doc):  # type: ignore[no-untyped-def]
        for node in doc["nodes"].values():
            node["say"] = node.pop("message")
            node.lines["say"] = node.lines.pop("message")
        return doc

    flow, issues = read_flow(path, migrations={0: rename_message_to_say})
    assert issues == []
    assert flow is not None and flow.nodes["first"].text == "Hi"


def test_load_flows_raises_with_every_error(tmp_path: Path) -> None:
    write(tmp_path, "first:\n  say: Hi\n  next: nowhere\nisland:\n  say: Alone\n")
    with pytest.raises(FlowError) as raised:
        load_flows(tmp_path)
    assert {issue.code for issue in raised.value.issues} == {"dangling-next", "unreachable"}
    assert "demo.yaml:" in str(raised.value)


def test_yes_and_no_written_bare_are_words_not_booleans(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
    first:
      ask: Served?
      type: yes_no
      next:
        - when: {answer: first, is: yes}
          goto: thanks
        - goto: bye
    thanks:
      say: Thank you.
    bye:
      say: Bye.
    """,
    )
    flow, issues = read_flow(path)
    assert issues == [] and flow is not None
    assert flow.next_node(flow.nodes["first"], {"first": "yes"}) == "thanks"
    assert flow.next_node(flow.nodes["first"], {"first": "no"}) == "bye"


@pytest.mark.parametrize(
    ("header", "body", "expected"),
    [
        (
            "spec: 1\nid: demo\nexpire_after: 99999999999d\nnodes:\n",
            "first:\n  say: Hi\n",
            (3, "schema"),
        ),
        ("spec: 1\nid: demo\nexpire_after: 0d\nnodes:\n", "first:\n  say: Hi\n", (3, "schema")),
        ("spec: 1\nid: demo\nnodes: &n\n", "first: *n\n", (3, "yaml")),
        (HEADER, "first:\n  say: On\n", (6, "schema")),
        (HEADER, "first:\n  say: [a, b]\n", (6, "schema")),
        (HEADER, "first:\n  ask: Name?\n  type: text\n  max_length: -5\n", (8, "schema")),
        (HEADER, "first:\n  ask: Name?\n  type: text\n  min: 3\n", (8, "schema")),
        (HEADER, "first:\n  do: end\n  hint: no\n", (7, "schema")),
        (
            HEADER,
            "first:\n  ask: Pick\n  type: choice\n  choices:\n"
            "    - {id: a, label: A, keywords: {english: [x]}}\n",
            (9, "schema"),
        ),
    ],
    ids=[
        "huge-expiry",
        "zero-expiry",
        "alias",
        "bare-on",
        "list-as-text",
        "negative-length",
        "min-on-text",
        "hint-on-action",
        "bad-locale",
    ],
)
def test_wrong_values_are_issues_not_crashes(
    tmp_path: Path, header: str, body: str, expected: tuple[int, str]
) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(header + indent(body, "  "), encoding="utf-8")
    assert expected in issues_of(path)


def test_a_billion_laughs_file_is_refused_quickly(tmp_path: Path) -> None:
    rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    rows += [
        f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefg", "bcdefgh", strict=True)
    ]
    path = tmp_path / "demo.yaml"
    path.write_text("spec: 1\n" + "\n".join(rows) + "\nnodes: {first: {say: hi}}\n", "utf-8")
    assert (2, "yaml") in issues_of(path)


CHECKER_CASES = [
    pytest.param(
        "first:\n  ask: Served?\n  type: yes_no\n  next:\n    - when: {answer: first, is: yes}\n"
        "      goto: bye\nbye:\n  say: Bye\n",
        (9, "no-fallback"),
        id="no-fallback",
    ),
    pytest.param(
        "first:\n  ask: Served?\n  type: yes_no\n  next:\n    - when: {answer: first, is: maybe}\n"
        "      goto: bye\n    - goto: bye\nbye:\n  say: Bye\n",
        (9, "unknown-value"),
        id="value-a-yes-no-never-has",
    ),
    pytest.param(
        "first:\n  ask: Served?\n  type: yes_no\n  next:\n"
        "    - when: {answer: first, at_least: 3}\n"
        "      goto: bye\n    - goto: bye\nbye:\n  say: Bye\n",
        (9, "unknown-value"),
        id="range-on-yes-no",
    ),
    pytest.param(
        "first:\n  ask: Served?\n  type: yes_no\n  next:\n"
        "    - when: {answer: first, skipped: true}\n"
        "      goto: bye\n    - goto: bye\nbye:\n  say: Bye\n",
        (9, "unknown-value"),
        id="skipped-on-required",
    ),
    pytest.param(
        "first:\n  ask: Pick\n  type: choice\n  choices:\n    - {id: halt, label: Stop}\n",
        (9, "keyword-clash"),
        id="label-is-a-command",
    ),
    pytest.param(
        "first:\n  ask: Pick\n  type: choice\n  choices:\n    - {id: a, label: Mine}\n"
        "    - {id: b, label: Yours, keywords: {en: [mine]}}\n",
        (10, "keyword-clash"),
        id="one-word-two-choices",
    ),
    pytest.param(
        "first:\n  do: set_language\n  with: {from_answer: nowhere}\n",
        (5, "action-arguments"),
        id="language-from-no-question",
    ),
    pytest.param(
        "first:\n  do: end\n  next: after\nafter:\n  say: Never\n",
        (8, "unreachable"),
        id="after-end",
    ),
]


@pytest.mark.parametrize(("body", "expected"), CHECKER_CASES)
def test_conditions_and_choices_that_could_never_work(
    tmp_path: Path, body: str, expected: tuple[int, str]
) -> None:
    assert expected in issues_of(write(tmp_path, body))


def test_a_start_that_points_nowhere_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "first:\n  say: Hi\n", header="spec: 1\nid: demo\nstart: nope\nnodes:\n"
    )
    assert (3, "dangling-next") in issues_of(path)


def test_sms_cost_warnings_do_not_stop_a_flow(tmp_path: Path) -> None:
    long_text = "This sentence costs money on every phone that receives it. " * 6
    path = write(
        tmp_path,
        f"first:\n  say: {long_text}\n  next: second\nsecond:\n  say: It’s fine\n",
    )
    flow, issues = read_flow(path)
    assert flow is not None
    found = {(issue.line, issue.code, issue.severity) for issue in issues}
    assert found == {(5, "sms-budget", "warning"), (8, "sms-ucs2", "warning")}
    assert "U+2019" in next(i.message for i in issues if i.code == "sms-ucs2")
    assert "3 SMS segments" in next(i.message for i in issues if i.code == "sms-budget")


def test_a_flow_may_set_its_own_sms_budget(tmp_path: Path) -> None:
    long_text = "This sentence costs money on every phone that receives it. " * 6
    header = "spec: 1\nid: demo\nsms_budget: 3\nnodes:\n"
    path = write(tmp_path, f"first:\n  say: {long_text}\n", header=header)
    assert issues_of(path) == []
