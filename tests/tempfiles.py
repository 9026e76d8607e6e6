"""Where the tests' temporary files go; imported first by tests/conftest.py, before anything
asks for a temporary folder (pytest's tmp_path in every test process included).

In memory where the machine has a tmpfs: the search index's commits and SQLite's real
commits wait for fsync on a disk (a tantivy commit took 75-155 ms on /tmp, 9-12 ms on
/dev/shm), and hundreds of tests index threads."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

IN_MEMORY = "/dev/shm"
if os.path.isdir(IN_MEMORY) and os.access(IN_MEMORY, os.W_OK | os.X_OK):
    tempfile.tempdir = IN_MEMORY

# The application's data folder (uploads); the test processes inherit the first one's.
if "COMMUNITY_DATA_DIR" not in os.environ:
    os.environ["COMMUNITY_DATA_DIR"] = tempfile.mkdtemp(prefix="community-test-")
    atexit.register(shutil.rmtree, os.environ["COMMUNITY_DATA_DIR"], ignore_errors=True)
