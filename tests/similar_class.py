"""A generated class for the similarity report: honest variations of the mnist_callback solutions,
with copies planted among them. Used by tests/classroom/test_similarity_scale.py and by
benchmarks/similarity.py (imported as a top-level module, like paths.py).

Each honest submission is put together from six hand-written solutions (the reference solution
and the five honest students of tests/submissions/similarity/mnist_callback/): its loading, its
callback class and its training function each after one of them, chosen apart; then changed as
students differ: other names, other layer sizes, dropout rates and epochs, `relu` written as a
string or as `tf.nn.relu`, keyword arguments in another order, independent lines swapped, a
comment or a line of its own (a seed, a print). A planted copy is taken from one submission and
disguised as copiers do: every name changed again, the top-level blocks reordered, comments
added; some copies are copied again (a copy of a copy). The changes are made on the syntax tree
(LibCST), so every generated file is valid Python.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import libcst as cst
from paths import ROOT, SOLUTIONS

HONEST_FIXTURES = ROOT / "tests" / "submissions" / "similarity" / "mnist_callback"
BASES = [SOLUTIONS / "mnist_callback.py"] + [
    HONEST_FIXTURES / f"{name}.py" for name in ("amara", "bilal", "chen", "dagny", "emeka")
]
# Names a student may choose for the same thing (the comparison ignores names: a check of that).
SYNONYMS = {
    "x_train": ["train_images", "xs", "images", "X_tr", "pixels"],
    "y_train": ["train_labels", "ys", "labels", "Y_tr", "targets"],
    "x_test": ["test_images", "xs_test", "X_te", "val_images"],
    "y_test": ["test_labels", "ys_test", "Y_te", "val_labels"],
    "model": ["net", "clf", "my_model", "network", "classifier"],
    "history": ["hist", "h", "log", "run", "fit_result"],
    "callbacks": ["cb", "stopper", "my_cb", "early", "callback"],
    "mnist": ["data", "dataset", "digits", "mn"],
    "epoch": ["ep", "e", "n_epoch", "step"],
    "accuracy": ["acc", "a", "train_acc", "score"],
}
UNITS = [64, 96, 128, 192, 256, 320, 384, 448, 512, 640, 768, 1024]
WORDS = ["epoch", "done", "acc", "training", "stop", "hello", "check", "value", "here"]


@dataclass(frozen=True)
class GeneratedClass:
    codes: dict[str, str]  # submission id -> its code
    planted: frozenset[tuple[str, str]]  # pairs copied from each other (a < b)
    base: dict[str, int]  # submission id -> the hand-written solution its training follows


def _renamer(rng: random.Random, tag: str) -> dict[str, str]:
    return {name: f"{rng.choice(choices)}{tag}" for name, choices in SYNONYMS.items()}


class _Rename(cst.CSTTransformer):
    """Every variable named in `names` renamed (an attribute or a keyword keeps its name)."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value=self.names.get(updated.value, updated.value))

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)


def _names_in(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.add(node.value)

    node.visit(Collect())
    return found


def _callee(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


class _Honest(_Rename):
    """One student's way of writing the same solution (one pass over the tree: names too)."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(_renamer(rng, ""))
        self.rng = rng

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        rng, name, args = self.rng, _callee(updated), list(updated.args)
        for i, arg in enumerate(args):
            value = arg.value
            keyword = arg.keyword.value if arg.keyword else None
            if name == "Dense" and isinstance(value, cst.Integer) and value.value != "10":
                args[i] = arg.with_changes(value=cst.Integer(str(rng.choice(UNITS))))
            elif name == "Dropout" and isinstance(value, cst.Float):
                args[i] = arg.with_changes(value=cst.Float(f"0.{rng.randint(5, 40):02d}"))
            elif keyword == "epochs" and isinstance(value, cst.Integer):
                args[i] = arg.with_changes(value=cst.Integer(str(rng.randint(5, 30))))
            elif keyword == "activation" and rng.random() < 0.5:
                kind = _activation(value)
                if kind:
                    args[i] = arg.with_changes(value=_spelled_activation(kind, value))
        if name == "fit" and rng.random() < 0.5 and "batch_size" not in _keywords(args):
            size = cst.Integer(str(rng.choice([16, 32, 64, 100, 128])))
            batch = cst.Arg(size, keyword=cst.Name("batch_size"), equal=_EQUAL)
            args.insert(len(args) - 1, batch.with_changes(comma=args[0].comma))
        if name in ("fit", "compile") and len(args) > 1:
            keywords = [i for i, a in enumerate(args) if a.keyword is not None]
            moved = [args[i] for i in keywords]
            rng.shuffle(moved)
            for slot, arg in zip(keywords, moved, strict=True):
                args[slot] = arg.with_changes(comma=args[slot].comma)
        return updated.with_changes(args=args)

    def leave_BinaryOperation(
        self, original: cst.BinaryOperation, updated: cst.BinaryOperation
    ) -> cst.BaseExpression:
        right = updated.right
        if isinstance(right, cst.Float | cst.Integer) and right.value in ("255.0", "255", "255."):
            return updated.with_changes(right=_scale(self.rng.randrange(4)))
        return updated

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated.with_changes(body=self._own_lines(self._swapped(list(updated.body))))

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return updated.with_changes(body=self._swapped(list(updated.body)))

    def _swapped(self, body: list) -> list:  # type: ignore[type-arg]
        """Adjacent assignments that do not read each other's names, in either order."""
        for i in range(len(body) - 1):
            first, second = body[i], body[i + 1]
            if not (_is_assign(first) and _is_assign(second)) or self.rng.random() < 0.5:
                continue
            if _names_in(first) & _names_in(second) - {"tf"}:
                continue
            body[i], body[i + 1] = second, first
        return body

    def _own_lines(self, body: list) -> list:  # type: ignore[type-arg]
        rng = self.rng
        while rng.random() < 0.45 and body:
            body.insert(rng.randint(0, len(body) - 1), _own_line(rng))
        if rng.random() < 0.3 and body:
            comment = cst.EmptyLine(
                comment=cst.Comment(f"# {rng.choice(WORDS)} {rng.random():.3f}")
            )
            at = rng.randrange(len(body))
            body[at] = body[at].with_changes(leading_lines=[*body[at].leading_lines, comment])
        return body


_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)
_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _keywords(args: list[cst.Arg]) -> set[str]:
    return {a.keyword.value for a in args if a.keyword is not None}


def _dotted(*names: str) -> cst.BaseExpression:
    expression: cst.BaseExpression = cst.Name(names[0])
    for name in names[1:]:
        expression = cst.Attribute(expression, cst.Name(name))
    return expression


def _scale(choice: int) -> cst.BaseExpression:
    """255 as students write it: 255.0, 255, 255. or float(255)."""
    if choice == 3:
        return cst.Call(cst.Name("float"), [cst.Arg(cst.Integer("255"))])
    return (
        cst.Float("255.0") if choice == 0 else cst.Integer("255") if choice else cst.Float("255.")
    )


def _own_line(rng: random.Random) -> cst.SimpleStatementLine:
    """A line of the student's own: a seed, a print, a variable."""
    kind = rng.randrange(3)
    number = cst.Integer(str(rng.randint(0, 99999)))
    if kind == 0:
        small: cst.BaseSmallStatement = cst.Expr(
            cst.Call(_dotted("tf", "random", "set_seed"), [cst.Arg(number)])
        )
    elif kind == 1:
        word = cst.SimpleString(f"'{rng.choice(WORDS)}'")
        small = cst.Expr(
            cst.Call(cst.Name("print"), [cst.Arg(word, comma=_COMMA), cst.Arg(number)])
        )
    else:
        target = cst.AssignTarget(cst.Name(f"tries_{rng.randint(0, 999)}"))
        small = cst.Assign([target], number)
    return cst.SimpleStatementLine([small])


def _activation(value: cst.BaseExpression) -> str:
    if isinstance(value, cst.SimpleString):
        return value.evaluated_value if isinstance(value.evaluated_value, str) else ""
    if isinstance(value, cst.Attribute):
        return value.attr.value
    return ""


def _spelled_activation(kind: str, value: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(value, cst.SimpleString):
        return _dotted("tf", "nn", kind)
    return cst.SimpleString(f"'{kind}'")


def _is_assign(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, cst.Assign) for s in statement.body
    )


class _Disguise(_Rename):
    """What a copier does to hide a copy: every name changed, comments added here and there."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(_renamer(rng, "_"))
        self.rng = rng

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        if self.rng.random() < 0.3:
            words = " ".join(self.rng.sample(WORDS, 3))
            comment = cst.EmptyLine(comment=cst.Comment(f"# {words}"))
            return updated.with_changes(leading_lines=[*updated.leading_lines, comment])
        return updated


def _sections(module: cst.Module) -> list[list[cst.CSTNode]]:
    """The solution in three parts: what comes before the callback class (loading, scaling),
    the class, and the rest (the training function and its call)."""
    body = list(module.body)
    first = next(i for i, s in enumerate(body) if isinstance(s, cst.ClassDef))
    after = next(i for i, s in enumerate(body) if i > first and not isinstance(s, cst.ClassDef))
    return [body[:first], body[first:after], body[after:]]


def honest(rng: random.Random, bases: list[cst.Module]) -> tuple[int, str]:
    """(the solution it mostly follows, its code): each of the three parts after one of the
    hand-written solutions, chosen apart (students take their habits from different places),
    then written in this student's own way."""
    chosen = [rng.randrange(len(bases)) for _ in range(3)]
    parts = [_sections(bases[b])[part] for part, b in enumerate(chosen)]
    module = bases[chosen[2]].with_changes(body=[s for part in parts for s in part])
    return chosen[2], module.visit(_Honest(rng)).code


def disguised(rng: random.Random, code: str) -> str:
    """A copy of `code`: renamed, its top-level definitions reordered, comments added."""
    tree = cst.parse_module(code)
    body = list(tree.body)
    blocks = [i for i, s in enumerate(body) if isinstance(s, cst.FunctionDef | cst.ClassDef)]
    moved = [body[i] for i in blocks]
    rng.shuffle(moved)
    if len(moved) > 1 and [body[i] for i in blocks] == moved:
        moved.reverse()
    for slot, statement in zip(blocks, moved, strict=True):
        body[slot] = statement
    return tree.with_changes(body=body).visit(_Disguise(rng)).code


def generate_class(size: int, seed: int = 0, copied: float = 0.08) -> GeneratedClass:
    """`size` submissions; about `copied` of them are planted copies (a third of those copies
    of a copy)."""
    rng = random.Random(seed)
    bases = [cst.parse_module(path.read_text(encoding="utf-8")) for path in BASES]
    codes: dict[str, str] = {}
    base_of: dict[str, int] = {}
    copy_of: dict[str, str] = {}
    for number in range(size):
        sid = f"s{number:05d}"
        earlier = list(codes)
        if earlier and rng.random() < copied:
            source = rng.choice(list(copy_of) if copy_of and rng.random() < 0.33 else earlier)
            codes[sid] = disguised(rng, codes[source])
            base_of[sid], copy_of[sid] = base_of[source], source
        else:
            base_of[sid], codes[sid] = honest(rng, bases)
    members: dict[str, list[str]] = {}  # a work's first author -> it and its copies
    for sid in codes:
        first = sid
        while first in copy_of:
            first = copy_of[first]
        members.setdefault(first, []).append(sid)
    planted = {(a, b) for group in members.values() for a in group for b in group if a < b}
    return GeneratedClass(codes, frozenset(planted), base_of)
