"""Code cells as IPython reads them: each cell as the Python IPython's own shell compiles (magics,
shell escapes and automagics made calls), the magics and shell escapes found in it, and every
Python line mapped back to the student's own line (IPython drops a cell's leading blank lines
before it runs it; a hint must still name the line the student sees).
"""

from __future__ import annotations

import ast
import difflib
import functools
import tempfile
import threading
import types
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from grader.grading.cells.files import Cell, SubmissionKind

CommandKind = Literal["line_magic", "cell_magic", "shell"]


@dataclass(frozen=True)
class Command:
    """A line IPython runs that is not Python: a magic or a shell escape."""

    kind: CommandKind
    name: str  # the magic's name (`pip`, `time`), or a shell escape's program (`pip`, `ls`)
    line: int  # the student's line it starts on
    end_line: int  # its last line (a trailing `\` continues it)
    automagic: bool  # written without `%`: IPython's automagic made it a magic
    statement: bool  # the whole line is the command (not `files = !ls`)


@dataclass(frozen=True)
class CodeCell:
    """A code cell as IPython compiles it, each Python line mapped to the student's own line."""

    number: int | None
    source: str  # what the student wrote (or the grader's neutralised copy of it)
    python: str  # the cell as Python: IPython syntax made calls (a module: its text)
    lines: tuple[int, ...]  # the student's line of each line of `python`
    commands: tuple[Command, ...] = ()

    def student_line(self, line: int) -> int:
        """The student's line for a line of `python` (a syntax error's, a traceback's)."""
        if not self.lines:
            return max(line, 1)
        if line < 1:
            return self.lines[0]
        if line > len(self.lines):
            return max(self.lines[-1], min(line, _line_count(self.source)))
        return self.lines[line - 1]

    def text(self, line: int) -> str:
        """The student's own text of one of their lines."""
        lines = self.source.split("\n")
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def tree(self) -> ast.Module | None:
        """The syntax tree the static rules read, numbered in the student's lines; None when
        the cell is not Python. A cell magic's body (`%%time`) is read as the Python it holds."""
        magic = next((c for c in self.commands if c.kind == "cell_magic"), None)
        if magic is not None:
            body = self.source.split("\n")
            body[: magic.line] = [""] * magic.line  # the magic's line blanked: lines stay
            return _parse("\n".join(body))
        tree = _parse(self.python)
        if tree is not None:
            for node in ast.walk(tree):
                if isinstance(getattr(node, "lineno", None), int):
                    node.lineno = self.student_line(node.lineno)  # type: ignore[attr-defined]
                end = getattr(node, "end_lineno", None)
                if isinstance(end, int):
                    node.end_lineno = self.student_line(end)  # type: ignore[attr-defined]
        return tree


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # the syntax check reports it; the other cells are still read


def _line_count(text: str) -> int:
    return len(text.split("\n"))


# -- cells as IPython reads them -----------------------------------------------------------------


def read_code(cells: Sequence[Cell], kind: SubmissionKind) -> tuple[CodeCell, ...]:
    """Code cells as they run: a module as Python; a notebook's cells as IPython's shell turns
    them into Python, in order (a name an earlier cell binds shadows an automagic, as in
    Jupyter)."""
    code = [cell for cell in cells if cell.kind == "code"]
    if kind == "module":
        return tuple(
            CodeCell(c.number, c.source, c.source, tuple(range(1, _line_count(c.source) + 1)))
            for c in code
        )
    shell, fresh = _ipython()
    with _SHELL_LOCK:
        shell.user_ns.clear()
        shell.user_ns.update(fresh)
        read = []
        for cell in code:
            read.append(_as_ipython(shell, cell))
            tree = _parse(read[-1].python)
            if tree is not None:
                shell.user_ns.update(dict.fromkeys(_bound_names(tree), _BOUND))
        shell.user_ns.clear()
        shell.user_ns.update(fresh)
    return tuple(read)


_SHELL_LOCK = threading.Lock()
_BOUND = object()  # stands in for a value an earlier cell assigned: only its name matters


@functools.cache
def _ipython() -> tuple[Any, dict[str, Any]]:
    """IPython's own shell with the magics Jupyter's kernel has, used only to read cells.

    It runs nothing and leaves the grader's process alone: no `__main__` replaced, no builtins
    added, no history file, no profile folder kept, no virtualenv path."""
    from ipykernel.zmqshell import KernelMagics
    from IPython.core.builtin_trap import BuiltinTrap
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.profiledir import ProfileDir
    from traitlets.config import Config

    class CellReadingShell(InteractiveShell):
        def init_builtins(self) -> None:
            self.builtin_trap = BuiltinTrap(shell=self)

        def init_sys_modules(self) -> None:
            pass

        def init_virtualenv(self) -> None:
            pass

    config = Config()
    config.HistoryManager.enabled = False
    with tempfile.TemporaryDirectory() as folder:
        shell = CellReadingShell(
            config=config,
            ipython_dir=folder,
            profile_dir=ProfileDir.create_profile_dir(folder),
            user_module=types.ModuleType("grader_cells"),
        )
    shell.register_magics(KernelMagics)  # `clear`, `less`, `man`, ...: Jupyter's kernel has them
    return shell, dict(shell.user_ns)


def automagic_names() -> frozenset[str]:
    """The line magics IPython runs without `%` in Jupyter (its `%lsmagic`)."""
    shell, _ = _ipython()
    return frozenset(shell.magics_manager.lsmagic()["line"])


def _as_ipython(shell: Any, cell: Cell) -> CodeCell:
    try:
        with warnings.catch_warnings():  # IPython warns about odd line ends; the student's text
            warnings.simplefilter("ignore")
            static = shell.input_transformer_manager.transform_cell(cell.source)
            python = shell.transform_cell(cell.source)
    except Exception:  # IPython could not tokenize it: Python's own reading will say why
        return CodeCell(
            cell.number, cell.source, cell.source, tuple(range(1, _line_count(cell.source) + 1))
        )
    source_lines = _lines(cell.source)
    python_lines = _lines(python)
    mapping = _line_map(source_lines, python_lines)
    automagic = python != static
    commands = []
    for index, text in enumerate(python_lines):
        if "get_ipython()" not in text:
            continue
        for kind, name, statement in _commands_in(text):
            start = mapping[index]
            end = start
            if kind != "cell_magic":
                keep_ends = [line + "\n" for line in source_lines]
                end = min(_continued(keep_ends, start - 1), len(source_lines) - 1) + 1
            commands.append(Command(kind, name, start, end, automagic, statement))
    return CodeCell(cell.number, cell.source, python, mapping, tuple(commands))


def _continued(lines: list[str], start: int) -> int:
    from IPython.core.inputtransformer2 import find_end_of_continued_line

    return int(find_end_of_continued_line(lines, start))


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def _line_map(source: list[str], python: list[str]) -> tuple[int, ...]:
    """The student's line (1-based) of each Python line."""
    dropped = next((i for i, line in enumerate(source) if line.strip()), 0)
    rest = source[dropped:]
    if len(python) == len(rest):  # the usual case: leading blank lines dropped, nothing joined
        return tuple(range(dropped + 1, len(source) + 1))
    # IPython joined lines (a magic continued with `\`, a cell magic): align what is equal.
    matcher = difflib.SequenceMatcher(
        None, [line.strip() for line in rest], [line.strip() for line in python], autojunk=False
    )
    mapping = [dropped + 1] * len(python)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            offset = j - j1
            index = i1 + offset if tag == "equal" else min(i1 + offset, max(i2 - 1, i1))
            mapping[j] = dropped + min(index, max(len(rest) - 1, 0)) + 1
    return tuple(mapping)


def _commands_in(text: str) -> list[tuple[CommandKind, str, bool]]:
    """The magics and shell escapes IPython wrote on one line of Python."""
    try:
        tree = ast.parse(text.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    statement = (
        len(tree.body) == 1
        and isinstance(tree.body[0], ast.Expr)
        and isinstance(tree.body[0].value, ast.Call)
    )
    found: list[tuple[CommandKind, str, bool]] = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "get_ipython"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            continue
        method, first = node.func.attr, node.args[0].value
        if method == "run_line_magic":
            found.append(("line_magic", first, statement))
        elif method == "run_cell_magic":
            found.append(("cell_magic", first, statement))
        elif method in ("system", "getoutput"):
            program = first.split()[0] if first.split() else ""
            found.append(("shell", program, statement))
    return found


def _bound_names(tree: ast.Module) -> set[str]:
    """Names a cell binds in the notebook's namespace (not inside its functions and classes)."""
    bound: set[str] = set()
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
            bound.update(
                name
                for inner in ast.walk(node)
                if isinstance(inner, ast.Global)
                for name in inner.names
            )
            continue
        if isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp):
            continue
        if isinstance(node, ast.GeneratorExp):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            bound.add(node.name)
        pending.extend(ast.iter_child_nodes(node))
    return bound
