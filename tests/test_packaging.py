"""A wheel built from a clean checkout carries everything an installed tracker reads: the
compiled translations (generated at build time, never kept in git), the holiday files, the
flow files, the migrations and the templates."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from babel.messages.mofile import read_mo

ROOT = Path(__file__).resolve().parents[1]
# What a clean clone lacks: generated files and local state (.gitignore).
NOT_IN_A_CLONE = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "*.mo",
                                        "__pycache__", "instance", "test-artifacts",
                                        ".pytest_cache", ".hypothesis", ".ruff_cache")


def test_a_wheel_from_a_clean_checkout_carries_translations_and_holidays(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=NOT_IN_A_CLONE)
    assert not list(source.rglob("*.mo"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(tmp_path / "dist"), str(source)],
        check=False, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (tmp_path / "dist").glob("water_connection_tracker-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        catalog = read_mo(io.BytesIO(
            archive.read("tracker/translations/zh/LC_MESSAGES/messages.mo")))
    holidays = ROOT / "tracker" / "sla" / "holidays"
    assert {f"tracker/sla/holidays/{p.name}" for p in holidays.glob("*.txt")} <= names
    assert "tracker/sla/holidays/2026.txt" in names
    assert catalog.get("Team lead").string == "专班负责人"  # the core's words
    assert catalog.get("Monthly report").string  # and a feature's, from its own fragment
    for shipped in ("tracker/steps/flows/211.yaml", "tracker/migrations/env.py",
                    "tracker/templates/base.html"):
        assert shipped in names
    assert not any(name.startswith("tests/") for name in names)
