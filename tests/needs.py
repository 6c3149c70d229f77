"""What a test needs from the machine: skipped on a laptop without it, a failure in CI.

`make test` installs every tool the suite uses, so in CI (`CI=true`) a missing one means the
set-up is broken, and a skip would hide that.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(reason: str) -> NoReturn:
    """Skip the calling test (or module, at import time), or fail it in CI."""
    if IN_CI:
        pytest.fail(f"{reason}; CI must have it (see scripts/system-deps.sh)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)
