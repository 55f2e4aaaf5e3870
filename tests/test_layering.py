"""The shape of app/ stays: the import-linter contracts in pyproject.toml hold (docs/architecture.md)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """Run the contracts of pyproject.toml on the `app` package found in cwd."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
                          cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)})


def test_every_layering_contract_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_route_module_is_named_an_edge():
    """A new route module must join the edge lists, or it would escape the contracts."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    edges = next(c for c in contracts if c["name"].startswith("only the factory, the namespace"))
    graph = grimp.build_graph("app")
    named = set().union(*(graph.find_matching_modules(pattern) for pattern in edges["protected_modules"]))
    with_views = {module for module in graph.modules if not module.startswith("app.api")
                  and re.search(r"^@bp\.|Blueprint\(", _source(module), re.M)}
    assert with_views, "no page routes found: the pattern is wrong"
    assert with_views <= named, f"route modules missing from the edge lists: {sorted(with_views - named)}"


def test_the_contracts_refuse_the_cycles_they_replaced(tmp_path):
    """Put back two imports this layering removed: the check fails and names both."""
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    publishing = tmp_path / "app" / "findings" / "publishing.py"
    publishing.write_text(publishing.read_text() + "\n\ndef _room():\n    from app.live.events import episode_room\n"
                          "    return episode_room\n")
    queries = tmp_path / "app" / "episodes" / "queries.py"
    queries.write_text(queries.read_text() + "\n\nfrom app.findings.models import Finding  # noqa: E402,F401\n")

    result = lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout
    assert "app.findings.publishing -> app.live.events" in result.stdout
    assert "No cycles are allowed in app." in result.stdout
    assert "2 broken" in result.stdout


def _source(module: str) -> str:
    path = ROOT.joinpath(*module.split("."))
    return (path / "__init__.py").read_text() if path.is_dir() else path.with_suffix(".py").read_text()
