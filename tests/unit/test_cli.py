"""The CLI through click's CliRunner, in a throwaway project: render, check, lint, errors and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cfngen.cli import cli
from cfngen.discover import load_file
from cfngen.errors import SpecError, UsageError

PYPROJECT = '[tool.cfngen]\nstacks-dir = "stacks"\ntemplates-dir = "templates"\n'
HELLO = """\
from cfngen import Stack

stack = Stack("cli-hello")
stack.function("Hello", code="code", handler="app.handler", runtime="python3.12")
"""
PULL = """\
from cfngen import Stack

stack = Stack("cli-pull")
fn = stack.function("Reader", code="code", handler="app.handler", runtime="python3.12")
fn.add_event_source(stack.kinesis_stream("Clicks"), starting_position="LATEST", enabled=False)
"""
HEAVY = ("boto3", "botocore", "cfnlint", "troposphere", "moto")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    code = tmp_path / "stacks" / "code"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "stacks" / "hello.py").write_text(HELLO)
    (tmp_path / "stacks" / "pull.py").write_text(PULL)
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("CFNGEN_")]:
        monkeypatch.delenv(name)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def add_stack(project: Path, name: str, body: str) -> Path:
    path = project / "stacks" / name
    path.write_text(textwrap.dedent(body))
    return path


def assert_clean_failure(result: Result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


# ----------------------------------------------------------------------------------------------- render


def test_render_writes_templates_then_reports_unchanged(project: Path) -> None:
    result = run("render")
    assert result.exit_code == 0, result.output
    assert "wrote     templates/cli-hello.json" in result.output
    assert "wrote     templates/cli-pull.json" in result.output
    for stack_file, name in (("hello.py", "cli-hello"), ("pull.py", "cli-pull")):
        written = (project / "templates" / f"{name}.json").read_text()
        assert written == load_file(project / "stacks" / stack_file)[0].to_json()
    assert "HelloFunction" in json.loads((project / "templates" / "cli-hello.json").read_text())["Resources"]

    before = {p.name: p.stat().st_mtime_ns for p in (project / "templates").iterdir()}
    again = run("render")
    assert again.exit_code == 0, again.output
    assert again.output.count("unchanged") == 2 and "wrote" not in again.output
    assert {p.name: p.stat().st_mtime_ns for p in (project / "templates").iterdir()} == before


def test_render_named_stack_only(project: Path) -> None:
    result = run("render", "cli-pull")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (project / "templates").iterdir()) == ["cli-pull.json"]


def test_render_yaml(project: Path) -> None:
    from cfn_flip import to_json

    result = run("render", "--format", "yaml")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (project / "templates").iterdir()) == ["cli-hello.yaml", "cli-pull.yaml"]
    yaml_text = (project / "templates" / "cli-pull.yaml").read_text()
    assert yaml_text.startswith("AWSTemplateFormatVersion: '2010-09-09'\n") and not yaml_text.lstrip().startswith("{")
    assert json.loads(to_json(yaml_text)) == json.loads(load_file(project / "stacks" / "pull.py")[0].to_json())
    assert run("check", "--format", "yaml").exit_code == 0
    assert run("check").exit_code == 0, "check reads the format committed: yaml"
    assert run("check", "--format", "json").exit_code == 1, "json templates are missing"


def test_render_prints_notes_for_existing_buckets(project: Path) -> None:
    add_stack(
        project,
        "landing.py",
        """\
        from cfngen import S3Bucket, Stack

        stack = Stack("cli-landing")
        fn = stack.function("Fn", code="code", handler="app.handler", runtime="python3.12")
        fn.add_event_source(S3Bucket.from_name("landing-zone-bucket"), events=["s3:ObjectCreated:*"])
        """,
    )
    result = run("render", "cli-landing")
    assert result.exit_code == 0, result.output
    assert "note: FnLandingZoneBucket: CloudFormation cannot add a notification" in result.output
    assert "landing-zone-bucket (s3:ObjectCreated:*)" in result.output


def test_config_file_sets_defaults_env_and_flags_win(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "pyproject.toml").write_text('[tool.cfngen]\nstacks-dir = "stacks"\ntemplates-dir = "out"\n')
    assert run("render", "cli-hello").exit_code == 0
    assert (project / "out" / "cli-hello.json").is_file()
    monkeypatch.setenv("CFNGEN_TEMPLATES_DIR", "from-env")
    assert run("render", "cli-hello").exit_code == 0
    assert (project / "from-env" / "cli-hello.json").is_file()
    assert run("render", "cli-hello", "--templates-dir", "from-flag").exit_code == 0
    assert (project / "from-flag" / "cli-hello.json").is_file()


def test_config_is_found_from_a_subdirectory(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "pyproject.toml").write_text('[tool.cfngen]\nstacks-dir = "stacks"\ntemplates-dir = "out"\n')
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    result = run("render", "cli-hello")
    assert result.exit_code == 0, result.output
    assert (project / "out" / "cli-hello.json").is_file()


# ------------------------------------------------------------------------------------------------ check


def test_check_passes_when_current(project: Path) -> None:
    assert run("render").exit_code == 0
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "2 template(s) up to date" in result.output


def test_check_fails_with_a_unified_diff_when_stale(project: Path) -> None:
    assert run("render").exit_code == 0
    committed = (project / "templates" / "cli-hello.json").read_text()
    stack_file = project / "stacks" / "hello.py"
    stack_file.write_text(stack_file.read_text().replace('runtime="python3.12"', 'runtime="python3.12", memory=256'))
    result = run("check")
    assert_clean_failure(result, 1)
    assert "--- templates/cli-hello.json (committed)" in result.output
    assert "+++ templates/cli-hello.json (rendered)" in result.output
    changed = [line for line in result.output.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert [line.replace(" ", "") for line in changed] == ['-"MemorySize":128,', '+"MemorySize":256,']
    assert "cli-pull" not in result.output, "only the stale template is diffed"
    assert "1 template(s) out of date" in result.output
    assert (project / "templates" / "cli-hello.json").read_text() == committed, "check never writes"


def test_check_fails_for_a_missing_template(project: Path) -> None:
    assert run("render").exit_code == 0
    (project / "templates" / "cli-pull.json").unlink()
    result = run("check")
    assert_clean_failure(result, 1)
    assert "templates/cli-pull.json: missing (run `cfngen render`)" in result.output.splitlines()
    assert "AWSTemplateFormatVersion" not in result.output  # one line, not the whole template as a diff
    assert not (project / "templates" / "cli-pull.json").exists()


def test_check_fails_for_an_orphaned_template(project: Path) -> None:
    assert run("render").exit_code == 0
    (project / "templates" / "cli-retired.json").write_text("{}\n")
    result = run("check")
    assert_clean_failure(result, 1)
    assert "templates/cli-retired.json: no stack renders this template" in result.output
    # Naming stacks checks only those: an orphan is not their business.
    assert run("check", "cli-hello").exit_code == 0


# ------------------------------------------------------------------------------------------------- lint

BROKEN = """\
from troposphere import Ref, sns

from cfngen import Stack

stack = Stack("cli-broken")
stack.function("Fn", code="code", handler="app.handler", runtime="python3.12")
stack.template().add_resource(sns.Topic("Extra", KmsMasterKeyId=Ref("DoesNotExist")))
"""
WARNS = """\
from troposphere import Parameter

from cfngen import Stack

stack = Stack("cli-warns")
stack.function("Fn", code="code", handler="app.handler", runtime="python3.12")
stack.template().add_parameter(Parameter("Unused", Type="String"))
"""


def test_lint_clean(project: Path) -> None:
    result = run("lint", "--no-cache")
    assert result.exit_code == 0, result.output
    assert "ok cli-hello (0 finding(s))" in result.output
    assert "2 template(s): 0 error(s), 0 warning(s)" in result.output
    assert not (project / ".cfngen").exists(), "--no-cache writes no cache"


def test_lint_fails_on_errors_from_the_escape_hatch(project: Path) -> None:
    add_stack(project, "broken.py", BROKEN)
    rendered = run("render", "cli-broken")
    assert rendered.exit_code == 0, rendered.output
    template = json.loads((project / "templates" / "cli-broken.json").read_text())
    assert template["Resources"]["Extra"]["Properties"] == {"KmsMasterKeyId": {"Ref": "DoesNotExist"}}
    result = run("lint")
    assert_clean_failure(result, 1)
    assert "FAIL cli-broken" in result.output and "ok cli-hello" in result.output
    assert "E1020 error Resources/Extra/Properties/KmsMasterKeyId/Ref" in result.output
    assert "lint failed" in result.output
    # The cached result gives the same verdict.
    assert any((project / ".cfngen" / "cache" / "lint").iterdir())
    assert run("lint").exit_code == 1


def test_lint_strict_fails_on_warnings(project: Path) -> None:
    add_stack(project, "warns.py", WARNS)
    result = run("lint", "--no-cache", "cli-warns")
    assert result.exit_code == 0, result.output
    assert "W2001" in result.output and "0 error(s), 1 warning(s)" in result.output
    strict = run("lint", "--no-cache", "--strict", "cli-warns")
    assert_clean_failure(strict, 1)
    assert "FAIL cli-warns" in strict.output and "(--strict: warnings count)" in strict.output


# --------------------------------------------------------------------------------------- errors, exit 2

SPEC_ERROR = """\
from cfngen import Stack

stack = Stack("cli-bad")
stack.function("Fn", code="code", handler="app.handler", runtime="python3.12", memory=1)
"""


@pytest.mark.parametrize("command", ["render", "check", "lint"])
def test_spec_error_exits_2_naming_the_file(project: Path, command: str) -> None:
    add_stack(project, "bad.py", SPEC_ERROR)
    result = run(command)
    assert_clean_failure(result, 2)
    assert "error: stacks/bad.py: cli-bad.Fn.memory: 1 is out of range; allowed: 128 to 10240" in result.output
    assert not (project / "templates").exists(), "nothing is written when a stack is wrong"


def test_spec_error_from_an_existing_source_names_the_file(project: Path) -> None:
    add_stack(
        project,
        "bad.py",
        """\
        from cfngen import KinesisStream, Stack

        stack = Stack("cli-bad")
        KinesisStream.from_arn("arn:aws:kinesis:us-east-1:123456789012:table/oops")
        """,
    )
    result = run("render")
    assert_clean_failure(result, 2)
    assert "stacks/bad.py" in result.output and "table/oops" in result.output


def test_syntax_error_exits_2_naming_the_file(project: Path) -> None:
    add_stack(project, "bad.py", "from cfngen import Stack\n\nstack = Stack(\n")
    result = run("render")
    assert_clean_failure(result, 2)
    assert "stacks/bad.py: failed to load: SyntaxError" in result.output
    assert "--debug" in result.output


def test_exception_in_a_stack_file_exits_2_naming_the_file(project: Path) -> None:
    add_stack(project, "bad.py", "import missing_helper_module\n")
    result = run("check")
    assert_clean_failure(result, 2)
    assert "stacks/bad.py: failed to load: ModuleNotFoundError" in result.output


@pytest.mark.parametrize("args", [("--debug", "render"), ("render", "--debug")])
def test_debug_lets_the_exception_propagate(project: Path, args: tuple[str, ...]) -> None:
    add_stack(project, "bad.py", SPEC_ERROR)
    result = run(*args)
    assert isinstance(result.exception, SpecError), result.output
    assert result.exc_info is not None and result.exc_info[2] is not None


def test_debug_from_the_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_stack(project, "bad.py", "1 / 0\n")
    monkeypatch.setenv("CFNGEN_DEBUG", "1")
    result = run("render")
    assert isinstance(result.exception, UsageError)
    assert isinstance(result.exception.__cause__, ZeroDivisionError)


def test_debug_prints_a_traceback_in_a_real_process(project: Path) -> None:
    add_stack(project, "bad.py", SPEC_ERROR)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CFNGEN_")}
    plain = subprocess.run([sys.executable, "-m", "cfngen", "render"], env=env, capture_output=True, text=True)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr and "stacks/bad.py" in plain.stderr
    debug = subprocess.run(
        [sys.executable, "-m", "cfngen", "--debug", "render"], env=env, capture_output=True, text=True
    )
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr and "cfngen.errors.SpecError" in debug.stderr


def test_unknown_config_key_exits_2_with_a_suggestion(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.cfngen]\nstacks-dirr = "stacks"\n')
    result = run("render")
    assert_clean_failure(result, 2)
    assert "unknown key 'stacks-dirr'" in result.output and "did you mean 'stacks-dir'?" in result.output


def test_unknown_stack_name_exits_2_listing_the_stacks(project: Path) -> None:
    result = run("render", "cli-helo")
    assert_clean_failure(result, 2)
    assert "no stack named 'cli-helo'; stacks: cli-hello, cli-pull" in result.output
    assert "did you mean 'cli-hello'?" in result.output
    assert not (project / "templates").exists()


def test_duplicate_stack_names_across_files_exit_2(project: Path) -> None:
    add_stack(project, "zz_copy.py", HELLO)
    result = run("render")
    assert_clean_failure(result, 2)
    assert "stacks/zz_copy.py: stack name 'cli-hello' is already defined in" in result.output


def test_missing_stacks_dir_exits_2(project: Path) -> None:
    result = run("render", "--stacks-dir", "nowhere")
    assert_clean_failure(result, 2)
    assert "stacks directory nowhere does not exist" in result.output


def test_helper_files_starting_with_underscore_are_not_stack_files(project: Path) -> None:
    add_stack(project, "_helpers.py", "raise RuntimeError('must not be imported as a stack file')\n")
    assert run("check").exit_code == 1  # stale (nothing rendered yet), but no load error
    assert run("render").exit_code == 0


# ----------------------------------------------------------------------------------- help and imports


def test_python_m_cfngen_help() -> None:
    result = subprocess.run([sys.executable, "-m", "cfngen", "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for command in ("render", "check", "lint"):
        assert command in result.stdout


def test_version(project: Path) -> None:
    from cfngen import __version__

    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("args", [["--help"], ["render", "--help"], ["lint", "--help"]])
def test_help_does_not_import_heavy_modules(args: list[str]) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from click.testing import CliRunner
        from cfngen.cli import cli
        result = CliRunner().invoke(cli, {args!r})
        assert result.exit_code == 0, result.output
        print(sorted({{m.split(".")[0] for m in sys.modules}} & {set(HEAVY)!r}))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
