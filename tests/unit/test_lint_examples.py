"""Every example stack renders, lints clean with cfn-lint (no cache), and its committed template is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from cfngen.definitions import Stack
from cfngen.lint import Finding, Linter, failed
from cfngen.render import staleness, template_path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STACKS_DIR = PROJECT_ROOT / "stacks"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
EXAMPLE_FILES = sorted(p.name for p in STACKS_DIR.glob("*.py") if not p.name.startswith("_"))


def test_examples_exist(example_stacks: list[Stack]) -> None:
    assert EXAMPLE_FILES, "stacks/ holds no example"
    files = {s.file.name for s in example_stacks if s.file is not None}
    assert files == set(EXAMPLE_FILES), "every stacks/*.py defines at least one stack"


@pytest.mark.parametrize("file_name", EXAMPLE_FILES)
def test_example_lints_clean(file_name: str, example_stacks: list[Stack], linter: Linter) -> None:
    stacks = [s for s in example_stacks if s.file is not None and s.file.name == file_name]
    assert stacks
    for stack in stacks:
        findings = linter.lint(stack.to_json())
        shown = "\n".join(map(str, findings))
        assert [f for f in findings if f.severity in ("error", "warning")] == [], f"{stack.name}:\n{shown}"
        assert not failed(findings, strict=True)


@pytest.mark.parametrize("file_name", EXAMPLE_FILES)
def test_committed_template_is_current(file_name: str, example_stacks: list[Stack]) -> None:
    for stack in (s for s in example_stacks if s.file is not None and s.file.name == file_name):
        result = staleness(template_path(TEMPLATES_DIR, stack.name), stack.to_json())
        assert not result.stale, f"templates/ is stale; run `cfngen render`:\n{result.diff}"


def test_no_orphaned_templates(example_stacks: list[Stack]) -> None:
    assert sorted(p.name for p in TEMPLATES_DIR.glob("*.json")) == sorted(f"{s.name}.json" for s in example_stacks)


def test_linter_finds_errors_and_warnings(linter: Linter) -> None:
    """The clean results above mean something: the same linter reports a broken template."""
    broken = (
        '{"AWSTemplateFormatVersion": "2010-09-09",'
        ' "Parameters": {"Unused": {"Type": "String"}},'
        ' "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": {"Ref": "Nope"}}}}}'
    )
    findings: list[Finding] = linter.lint(broken)
    assert {f.severity for f in findings} >= {"error", "warning"}
    assert failed(findings) and failed(findings, strict=True)
    assert not failed([f for f in findings if f.severity == "warning"])
    assert failed([f for f in findings if f.severity == "warning"], strict=True)


def test_staleness_reports_a_unified_diff(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    assert staleness(path, "a\n").stale and "(missing)" in staleness(path, "a\n").diff
    path.write_text("a\nb\n")
    result = staleness(path, "a\nc\n")
    assert result.stale and "-b\n" in result.diff and "+c\n" in result.diff
    assert not staleness(path, "a\nb\n").stale
