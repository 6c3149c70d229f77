"""Start-up noise that the grader's own set-up causes (TensorFlow, absl, oneDNN, matplotlib),
told apart from what the student's code printed. The report shows the student's output without
it and keeps the raw output one click away.
"""

from __future__ import annotations

import re

_NOISE = re.compile(
    r"^(?:"
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w.]+\.cc:\d+\] .*"  # absl's format
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] (?:tensorflow|external|xla)/\S+\] .*"
    r"|.*oneDNN custom operations are on.*"
    r"|.*This TensorFlow binary is optimized to use available CPU instructions.*"
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate "
    r"compiler flags\."
    r"|.*(?:Unable to register cu(?:DNN|FFT|BLAS) factory|Could not find cuda drivers).*"
    r"|.*TF-TRT Warning.*"
    r"|.*computation placer already registered.*"
    r"|.*Unknown attributes will be ignored\. NodeDef: .*"  # a graph op newer than the binary
    r"|Fontconfig error: .*"
    r"|Matplotlib created a temporary cache directory at .*"
    r"|\S+/\.matplotlib is not a writable directory"
    r")$"
)


def split_noise(text: str) -> tuple[str, int]:
    """The text without set-up noise lines, and how many lines were taken out."""
    kept, removed = [], 0
    for line in text.split("\n"):
        if _NOISE.match(line.rstrip("\r")):
            removed += 1
        else:
            kept.append(line)
    return "\n".join(kept), removed
