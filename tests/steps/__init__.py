"""Tests of the flow definitions (tracker/steps)."""

import importlib.util
import sys
from pathlib import Path

# Until the project's own conftest or an editable install puts the checkout on sys.path,
# make `tracker` importable when pytest is run from the repository root.
if importlib.util.find_spec("tracker") is None:  # pragma: no cover - depends on the setup
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
