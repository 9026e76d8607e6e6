"""The job worker loads what its jobs need, not the web framework (issue 21: its memory)."""

from __future__ import annotations

import subprocess
import sys


def test_the_worker_and_its_job_handlers_load_without_fastapi() -> None:
    code = (
        "import sys\n"
        "import community.cli\n"
        "from community.jobs import worker\n"
        "worker._load_handlers()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'fastapi'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
