"""Mutation operators on the stopping callback: threshold, comparison, metric key, message,
how it is given to `fit` and how it stops."""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from grader.formatting import percent
from grader.selftest.edits import (
    Edit,
    callback_classes,
    fit_calls,
    keyword,
    number,
    one,
    same_quotes,
    string_value,
    strings,
    swap,
    swap_one,
    without_arg,
)
from grader.spec.exercise import ExerciseSpec


def _threshold_comparisons(
    module: cst.Module, spec: ExerciseSpec
) -> list[tuple[cst.Comparison, cst.ComparisonTarget]]:
    if spec.accuracy_threshold is None:
        return []
    found = []
    for node in m.findall(module, m.Comparison()):
        assert isinstance(node, cst.Comparison)
        for target in node.comparisons:
            if number(target.comparator) == spec.accuracy_threshold:
                found.append((node, target))
    return found


def threshold_lowered(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    found = _threshold_comparisons(module, spec)
    if not found or spec.accuracy_threshold is None:
        return []
    lower = round(spec.accuracy_threshold - 0.02, 4)
    changes = {t.comparator: cst.Float(repr(lower)) for _, t in found}
    return one(
        "", f"stops at {percent(lower)} instead of {spec.threshold_text}", swap(module, changes)
    )


TURNED = {cst.GreaterThanEqual: cst.GreaterThan, cst.LessThanEqual: cst.LessThan}


def comparison_turned(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    changes: dict[cst.CSTNode, cst.CSTNode] = {}
    for _, target in _threshold_comparisons(module, spec):
        turned = TURNED.get(type(target.operator))
        if turned is not None:
            op = target.operator
            changes[op] = turned(
                whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after
            )  # type: ignore[attr-defined]
    if not changes:
        return []
    return one("", "`>` where the task says 'or greater'", swap(module, changes))


def _accuracy_strings(node: cst.CSTNode) -> list[cst.SimpleString]:
    return [s for s in strings(node) if string_value(s) == "accuracy"]


def metric_key(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    found = [s for cls in callback_classes(module) for s in _accuracy_strings(cls)]
    if not found:
        return []
    changes = {s: same_quotes(s, "acc") for s in found}
    return one("", "the callback reads `'acc'`, Keras 2's name", swap(module, changes))


def history_key(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    changes: dict[cst.CSTNode, cst.CSTNode] = {}
    for node in m.findall(module, m.Subscript(value=m.Attribute(attr=m.Name("history")))):
        changes.update({s: same_quotes(s, "acc") for s in _accuracy_strings(node)})
    if not changes:
        return []
    return one("", "`history.history['acc']`, Keras 2's name", swap(module, changes))


def _message_strings(module: cst.Module, spec: ExerciseSpec) -> list[cst.SimpleString]:
    message = spec.stop_message
    if not message:
        return []
    return [s for s in strings(module) if message in s.value]


def _message_variants(message: str) -> list[tuple[str, str, str]]:
    """(suffix, detail, new message) for each way of getting the message wrong."""
    variants = []
    if message.lower() != message:
        variants.append(("case", "the message in lower case", message.lower()))
    if message[-1:] in "!.?":
        variants.append(("punctuation", "the message without its final punctuation", message[:-1]))
    else:
        variants.append(("punctuation", "the message with a full stop added", message + "."))
    if "cancelling" in message:
        wording = message.replace("cancelling", "canceling")
    else:
        words = message.split(" ")
        wording = " ".join(words[:-2] + words[-1:]) if len(words) > 2 else message + " now"
    variants.append(("wording", f"the message worded {wording!r}", wording))
    return variants


def message(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    found = _message_strings(module, spec)
    if not found or not spec.stop_message:
        return []
    edits = []
    for suffix, detail, new in _message_variants(spec.stop_message):
        changes = {s: s.with_changes(value=s.value.replace(spec.stop_message, new)) for s in found}
        edits += one(suffix, detail, swap(module, changes))
    return edits


def message_slash_n(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    found = [
        s for s in _message_strings(module, spec) if "\\n" + (spec.stop_message or "") in s.value
    ]
    if not found:
        return []
    changes = {s: s.with_changes(value=s.value.replace("\\n", "/n", 1)) for s in found}
    return one("", "`/n` for `\\n` before the message", swap(module, changes))


def callback_not_passed(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    changes: dict[cst.CSTNode, cst.CSTNode] = {}
    for call in fit_calls(module):
        arg = keyword(call, "callbacks")
        if arg is not None:
            changes[call] = without_arg(call, arg)
    if not changes or not callback_classes(module):
        return []
    return one("", "`callbacks=` left out of `fit`", swap(module, changes))


def callback_class_passed(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    names = {c.name.value for c in callback_classes(module)}
    made = [c for c in m.findall(module, m.Call(args=[])) if isinstance(c, cst.Call)]
    made = [c for c in made if isinstance(c.func, cst.Name) and c.func.value in names]
    if not made:
        return []
    changes = {c: c.func for c in made}
    return one("", "the callback class given to `fit`, not an instance", swap(module, changes))


def callback_base(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    found = callback_classes(module)
    if not found:
        return []
    changes = {
        c: c.with_changes(bases=[], lpar=cst.MaybeSentinel.DEFAULT, rpar=cst.MaybeSentinel.DEFAULT)
        for c in found
    }
    return one("", "the callback class subclasses nothing", swap(module, changes))


def hook_misspelled(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    changes: dict[cst.CSTNode, cst.CSTNode] = {}
    for cls in callback_classes(module):
        for node in m.findall(cls, m.FunctionDef(name=m.Name("on_epoch_end"))):
            assert isinstance(node, cst.FunctionDef)
            changes[node.name] = cst.Name("on_epoch_ends")
    if not changes:
        return []
    return one("", "`on_epoch_ends` for `on_epoch_end`", swap(module, changes))


def self_stop_training(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    wanted = m.Attribute(
        value=m.Attribute(value=m.Name("self"), attr=m.Name("model")), attr=m.Name("stop_training")
    )
    found = [n for n in m.findall(module, wanted) if isinstance(n, cst.Attribute)]
    if not found:
        return []
    changes = {n: n.with_changes(value=cst.Name("self")) for n in found}
    return one("", "`self.stop_training = True`", swap(module, changes))


def model_assigned(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    found = callback_classes(module)
    if not found:
        return []
    cls = found[0]
    method = cst.parse_statement("def set_model(self, model):\n    self.model = model\n")
    body = cls.body.with_changes(body=[method, *cls.body.body])
    return one(
        "", "a Keras 2 `set_model` that assigns `self.model`", swap_one(module, cls.body, body)
    )
