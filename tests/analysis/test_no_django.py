from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import sys
import cunjing.analysis
import cunjing.analysis.__main__
import cunjing.analysis.synthetic
import cunjing.analysis.evaluate
import cunjing.analysis.methods
loaded = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
assert not loaded, loaded
assert "numpy" in sys.modules and "scipy" in sys.modules
print("clean")
"""


def test_library_does_not_import_django():
    proc = subprocess.run(  # noqa: S603 — fixed argv, our own interpreter
        [sys.executable, "-c", CODE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "clean"


def test_no_django_in_the_source():
    src = ROOT / "cunjing" / "analysis"
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import django" not in text and "from django" not in text, path
