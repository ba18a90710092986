"""The GitHub workflow: valid against the workflow schema, and it does what the README says.

GitHub Actions cannot run here, so this checks what can be checked offline: the schema (the
copy vendored in check-jsonschema), the order of the jobs, and that every script a step runs
exists in the repository (each of those scripts has its own tests).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.packaging.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "build.yml"


def _load() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_the_workflow_is_valid_against_the_github_schema() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_tests_and_types_on_every_os_come_before_packaging() -> None:
    jobs = _load()["jobs"]
    assert set(jobs["bundle"]["needs"]) == {"lint", "wheels", "test"}
    assert {"windows-latest", "macos-latest", "ubuntu-latest"} <= set(
        jobs["test"]["strategy"]["matrix"]["os"]
    )
    assert "python -m pytest" in _runs(jobs["test"])
    assert jobs["test"]["env"]["QT_QPA_PLATFORM"] == "offscreen"
    lint = _runs(jobs["lint"])
    for platform in ("linux", "win32", "darwin"):
        assert f"mypy --platform {platform}" in lint
    assert "python packaging/check_wheels.py" in _runs(jobs["wheels"])
    oses = {entry["os"] for entry in jobs["bundle"]["strategy"]["matrix"]["include"]}
    assert {"windows-latest", "macos-latest", "ubuntu-latest"} <= oses
    assert "python packaging/build.py --smoke" in _runs(jobs["bundle"])


def test_tag_builds_require_signing() -> None:
    bundle = _load()["jobs"]["bundle"]
    assert "refs/tags/v" in bundle["env"]["BSM_REQUIRE_SIGNING"]
    first = bundle["steps"][1]
    assert first["id"] == "signing" and 'BSM_REQUIRE_SIGNING" == 1' in first["run"]
    upload = bundle["steps"][-1]
    assert upload["with"]["name"].endswith("${{ steps.signing.outputs.suffix }}")


def test_every_script_a_step_runs_exists() -> None:
    scripts = set(re.findall(r"(packaging/[\w/.-]+\.(?:py|sh|iss))", WORKFLOW.read_text()))
    scripts |= {
        s.replace("\\", "/")
        for s in re.findall(r"(packaging\\[\w\\.-]+\.iss)", WORKFLOW.read_text())
    }
    assert scripts, "no scripts found"
    missing = sorted(s for s in scripts if not (ROOT / s).is_file())
    assert not missing
    assert Path(ROOT / "tests" / "system-packages.txt").is_file()


def test_the_readme_names_the_packages_tests_run_sh_checks() -> None:
    listed = {
        line.split()[1]
        for line in (ROOT / "tests" / "system-packages.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = readme.split("sudo apt-get install ", 1)[1].split("```", 1)[0]
    assert listed <= set(command.replace("\\", " ").split())
