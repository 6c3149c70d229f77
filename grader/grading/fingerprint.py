"""One fingerprint of a model's weights, computed the same way in the child and the evaluator."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np


def weights_fingerprint(arrays: Iterable[Any]) -> str:
    """SHA-256 over each weight array's shape and float32 bytes, in the model's order."""
    digest = hashlib.sha256()
    for array in arrays:
        values = np.ascontiguousarray(array, dtype=np.float32)
        digest.update(str(values.shape).encode())
        digest.update(values.tobytes())
    return digest.hexdigest()
