"""The child's entry point: run one submission (module or notebook) with the harness installed.

Usage (by the grader only): python -m grader.grading.harness.run module|notebook PATH
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import traceback
from pathlib import Path

from grader.grading.harness.events import emit, watch_grader

KERNEL_NAME = "grader-harness"
FINISH_CELL = "__grader_finish__(after_error={after_error})"


def run_module(path: Path) -> int:
    from grader.grading.harness import instrument, plots
    from grader.grading.harness.tracing import student_frames

    source = path.read_text(encoding="utf-8")
    filename = str(path)
    namespace = {"__name__": "__main__", "__file__": filename, "__builtins__": builtins}
    namespace["display"] = _display  # a notebook habit: prints the value's text in a module
    plots.RECORD.source_file = filename
    sys.argv = [filename]
    instrument.install(instrument.keras_used(source, path.parent))

    def locate(name: str) -> int | None:
        return -1 if name == filename else None

    instrument.STATE.locate = locate

    failed = False
    for stage in ("code", "finish"):
        try:
            if stage == "code":
                try:
                    exec(compile(source, filename, "exec"), namespace)
                finally:
                    plots.capture_open_figures(line=None)  # figures never shown: at the end
            else:
                instrument.finish(namespace, after_error=failed)
        except SystemExit as exc:
            if exc.code not in (None, 0):
                instrument.record_error(exc, student_frames(exc.__traceback__, locate))
                failed = True
        except BaseException as exc:
            instrument.record_error(exc, student_frames(exc.__traceback__, locate))
            traceback.print_exc()
            failed = True
            if stage == "finish":
                instrument.save_model()
                instrument.probe_callbacks(namespace)
    sys.stdout.flush()
    return 1 if failed else 0


def _display(*values: object, **kwargs: object) -> None:
    from IPython.display import display

    display(*values, **kwargs)


def _write_kernelspec(home: Path) -> None:
    spec_dir = home / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "grader.grading.harness.kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (grader harness)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))


def run_notebook(path: Path) -> int:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    from grader.grading.harness import plots

    jupyter_home = Path(os.environ["HOME"]) / ".grader-jupyter"
    _write_kernelspec(jupyter_home)
    os.environ["JUPYTER_PATH"] = str(jupyter_home)
    # The kernel draws with matplotlib's inline backend, which sends each figure as a PNG
    # output; without plot capture, with Agg, which draws nothing until asked.
    capture = os.environ.get("GRADER_PLOTS", "1") != "0"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline" if capture else "Agg"
    os.environ.setdefault("JUPYTER_RUNTIME_DIR", str(jupyter_home / "runtime"))

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL_NAME,
        timeout=None,  # the grader's launcher enforces the wall-clock budget
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        shutdown_kernel="immediate",  # the evidence and the model are in: no graceful teardown
    )
    # IPC sockets in the job's runtime dir: no TCP ports, nothing in the student's work dir.
    client.km = client.create_kernel_manager()
    client.km.transport = "ipc"
    client.km.ip = str(jupyter_home / "runtime" / "kernel")
    (jupyter_home / "runtime").mkdir(parents=True, exist_ok=True)
    failed = False
    execution_count = 0
    with client.setup_kernel():
        # Every cell runs, as nbgrader runs them: a cell that raised does not hide the training
        # further down. Each error is recorded where it happened; `runs` names them all.
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            execution_count += 1
            # nbclient's convention: a cell tagged `raises-exception` may raise (a lab's "see
            # what goes wrong" cell); the grader then notes its error instead of failing `runs`.
            tags = cell.get("metadata", {}).get("tags", []) or []
            may_raise = "raises-exception" in tags
            emit("cell", index=index, execution_count=execution_count, may_raise=may_raise)
            cell_failed = False
            try:
                client.execute_cell(cell, index)
            except CellExecutionError:
                cell_failed = failed = True
            except DeadKernelError:
                # Nothing of the student's raised: the kernel process itself is gone (out of
                # memory, or killed). Said plainly, at the cell that was running.
                emit(
                    "error",
                    exc_type="KernelDied",
                    message="the notebook's kernel died while this cell ran (out of memory, "
                    "or killed); nothing after it could run",
                    frames=[{"cell": execution_count, "line": None}],
                )
                cell_failed = True
                raise
            finally:
                _echo_outputs(cell)
                plots.record_cell(index, execution_count, cell, cell_failed)
        finish = nbformat.v4.new_code_cell(FINISH_CELL.format(after_error=failed))
        notebook.cells.append(finish)
        try:
            client.execute_cell(finish, len(notebook.cells) - 1)
        except CellExecutionError:
            failed = True
        except DeadKernelError:
            raise
        finally:
            _echo_outputs(finish)
    return 1 if failed else 0


def _echo_outputs(cell: dict) -> None:
    """Pass the kernel's output on to the grader, which captures this process's streams."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            stream = sys.stderr if output.get("name") == "stderr" else sys.stdout
            stream.write(output.get("text", ""))
        elif output.get("output_type") == "error":
            sys.stderr.write("\n".join(output.get("traceback", [])) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()


def main() -> int:
    kind, path = sys.argv[1], Path(sys.argv[2])
    watch_grader()
    return run_module(path) if kind == "module" else run_notebook(path)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip the interpreter's teardown of TensorFlow (most of a second): everything the grader
    # needs is written, and exit handlers a submission registered have nothing left to decide.
    os._exit(code)
