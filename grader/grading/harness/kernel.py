"""A Jupyter kernel with the grader's harness installed before the first cell runs."""

from __future__ import annotations

import ctypes
import signal
import sys
from typing import Any

from grader.grading.harness import instrument, plots
from grader.grading.harness.tracing import student_frames


def _die_with_parent() -> None:
    # jupyter_client starts kernels in a session of their own, out of reach of the grader's
    # process-group kill; tie the kernel's life to the runner instead (Linux only).
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)


def main() -> None:
    _die_with_parent()
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    instrument.install()  # after initialize: ipykernel has replaced sys.stdout by then
    shell = app.shell
    filename_map: dict[str, int] = shell.compile._filename_map
    instrument.STATE.locate = filename_map.get

    def record(self: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None):
        frames = student_frames(tb, filename_map.get)
        instrument.record_error(value, frames)
        return self.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)

    shell.set_custom_exc((Exception,), record)
    plots.inline_only(shell)
    shell.user_ns["__grader_finish__"] = lambda after_error: instrument.finish(
        shell.user_ns, after_error
    )
    app.start()


if __name__ == "__main__":
    main()
