"""Build hook: the package carries its compiled translations.

The `.mo` catalogs are generated, not kept in git; `build_py` (run by `pip install .`,
`pip wheel .` and `python -m build`) compiles the `.po` fragments it has copied into the
build folder, so a wheel built from a clean clone speaks Chinese. Everything else is
declared in setup.cfg."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _i18n_build():
    """tracker/i18n_build.py on its own (importing the package would need Flask at build time)."""
    spec = importlib.util.spec_from_file_location("_tracker_i18n_build",
                                                  HERE / "tracker" / "i18n_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithTranslations(build_py):
    def run(self) -> None:
        super().run()
        # An editable install runs from the source folder: compile there (as `make` does).
        package = HERE / "tracker" if self.editable_mode else Path(self.build_lib) / "tracker"
        _i18n_build().build(package / "translations")


setup(cmdclass={"build_py": BuildWithTranslations})
