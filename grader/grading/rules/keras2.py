"""Static rules for Keras 2 and TensorFlow 1 code that fails on Keras 3 (mistake rows 27-34).

Old tutorials and hand-ins assign `self.model` in a callback, call `predict_classes` or
`fit_generator`, write `tf.keras.layers.flatten`, `tf.logging`, `nb_epoch=`, `epsilon=None`, import
from `keras.layers.core`, save to a path without an extension, or give `compile` an optimizer's
class (that one fails on any version). Each raises on today's Keras 3 / TensorFlow 2.16+; each
finding names the one-line fix at the student's line, under `runs`. Row 17 (`rule: tf1`, in
`training`) already covers `tf.train.*Optimizer`, `tf.Session`, `placeholder` and `lr=`: nothing
here repeats it. A finding that names the missing attribute or argument (`values` `name`)
explains only a runtime error that names it too (`checks.findings`).

Names are read through the submission's imports (`from tensorflow.keras import layers`,
`from keras import backend as K`), and `tensorflow.keras` is read as `keras`; a name that is not
plainly one of TensorFlow's or Keras's is never judged. Nothing here imports TensorFlow: the lists
of what Keras 3 has and has not were measured once on the course environment (docs/mistakes.md).

Over 400 lines: one subject (Keras 2 code on Keras 3) as eight small rules, one per row, that
share the lists of names measured on Keras 3 and the reading of names through the imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from grader.grading.rules.analysis import Analysis
from grader.grading.rules.finding import Finding
from grader.grading.rules.nodes import OPTIMIZERS, dotted, kwarg, last_name, string
from grader.grading.rules.rule import rule
from grader.grading.rules.syntax import Cell


def _names(text: str) -> frozenset[str]:
    """The names of a space-separated list (long lists of Keras names stay a few lines)."""
    return frozenset(text.split())


# -- what Keras 3 has --------------------------------------------------------------------------

LAYERS = _names(
    "Activation Add AveragePooling1D AveragePooling2D BatchNormalization Bidirectional "
    "Concatenate Conv1D Conv2D Conv2DTranspose Conv3D Cropping2D Dense DepthwiseConv2D "
    "Dropout Embedding Flatten GaussianNoise GlobalAveragePooling1D "
    "GlobalAveragePooling2D GlobalMaxPooling1D GlobalMaxPooling2D GRU Input InputLayer "
    "Lambda LayerNormalization LeakyReLU LSTM Masking MaxPool2D MaxPooling1D MaxPooling2D "
    "Normalization Permute ReLU RepeatVector Rescaling Reshape SeparableConv2D SimpleRNN "
    "Softmax SpatialDropout2D TimeDistributed UpSampling2D ZeroPadding2D"
)
CALLBACKS = _names(
    "BackupAndRestore CSVLogger Callback EarlyStopping History LambdaCallback "
    "LearningRateScheduler ModelCheckpoint ProgbarLogger ReduceLROnPlateau RemoteMonitor "
    "TensorBoard TerminateOnNaN"
)
MODELS = frozenset({"Model", "Sequential"})
# The classes of each namespace, by the module path they live under (`tensorflow.keras` read as
# `keras`). The top level has the model classes and `Input`; `tf.keras.dense` is meant as a layer.
CLASSES: dict[str, frozenset[str]] = {
    "keras.layers": LAYERS,
    "keras.optimizers": OPTIMIZERS | {"Optimizer"},
    "keras.callbacks": CALLBACKS,
    "keras.models": MODELS,
    "keras": MODELS | {"Input"},
}
# Lower-case names Keras 3 does have: the functional forms of the merge layers (`layers.add`).
LOWER_CASE_KEPT = _names(
    "add average concatenate deserialize dot get maximum minimum multiply serialize subtract"
)

# -- what Keras 3 / TensorFlow 2 no longer have ------------------------------------------------

# Model methods Keras 3 removed, and the fix (`{model}`, `{x}` are the student's own names).
REMOVED_METHODS = {
    "predict_classes": "use `np.argmax({model}.predict({x}), axis=-1)`",
    "predict_proba": "use `{model}.predict({x})`, which already gives the probabilities",
    "fit_generator": "call `{model}.fit(...)`, which takes the generator or dataset directly",
    "evaluate_generator": "call `{model}.evaluate(...)`, which takes the generator or dataset",
    "predict_generator": "call `{model}.predict(...)`, which takes the generator or dataset",
}
# Methods only a Keras model had: another object (a scikit-learn estimator) may have the others.
KERAS_ONLY_METHODS = frozenset(
    {"predict_classes", "fit_generator", "evaluate_generator", "predict_generator"}
)

_SESSION = "delete it (TensorFlow 2 runs eagerly and needs no session, graph or config)"
# TensorFlow 1 names (module paths, `tensorflow.keras` read as `keras`) row 17 does not cover.
TF1_NAMES = {
    "tensorflow.logging": "delete the line, or write `tf.get_logger().setLevel('ERROR')`",
    "tensorflow.set_random_seed": "write `tf.random.set_seed(...)` with the same seed",
    "tensorflow.random.set_random_seed": "write `tf.random.set_seed(...)` with the same seed",
    "tensorflow.enable_eager_execution": "delete the line (TensorFlow 2 runs eagerly already)",
    "tensorflow.reset_default_graph": "write `tf.keras.backend.clear_session()`",
    "tensorflow.to_float": "write `tf.cast(x, tf.float32)`",
    "tensorflow.log": "write `tf.math.log(...)`",
    "tensorflow.ConfigProto": _SESSION,
    "tensorflow.GPUOptions": _SESSION,
    "tensorflow.get_default_graph": _SESSION,
    "keras.backend.set_session": _SESSION,
    "keras.backend.get_session": _SESSION,
}
# Keras 1/2 keyword arguments Keras 3 refuses, and their names today.
FIT_RENAMED = {"nb_epoch": "epochs"}
LAYER_RENAMED = {
    "init": "kernel_initializer",
    "border_mode": "padding",
    "subsample": "strides",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
}
# Keras 2 module paths Keras 3 does not have (`tensorflow.keras` read as `keras`).
REMOVED_MODULES = _names(
    "keras.engine keras.layers.advanced_activations keras.layers.convolutional "
    "keras.layers.core keras.layers.embeddings keras.layers.experimental "
    "keras.layers.merge keras.layers.noise keras.layers.normalization "
    "keras.layers.pooling keras.layers.recurrent keras.layers.wrappers "
    "keras.optimizers.legacy keras.utils.generic_utils keras.utils.np_utils "
    "keras.utils.vis_utils keras.wrappers.scikit_learn"
)
SAVE_EXTENSIONS = {"save": (".keras", ".h5", ".hdf5"), "save_weights": (".weights.h5",)}
MODEL_FACTORIES = frozenset({"Sequential", "Model", "load_model", "clone_model"})

# Conventional aliases, when the code uses them without importing them (row 24 says so).
DEFAULT_ALIASES = {"tf": "tensorflow", "keras": "keras"}


# -- reading names through the imports ---------------------------------------------------------


def _canonical(module: str) -> str:
    """`tensorflow.keras.layers` -> `keras.layers`: tf.keras is Keras."""
    if _under(module, "tensorflow.keras"):
        return "keras" + module[len("tensorflow.keras") :]
    return module


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _imports(a: Analysis) -> Iterator[tuple[Cell, ast.Import | ast.ImportFrom]]:
    for cell in a.cells:
        for node in ast.walk(cell.tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                yield cell, node


def _aliases(a: Analysis) -> dict[str, str]:
    """Each name an import binds -> the full path it stands for (`K` -> `keras.backend`)."""
    bound: dict[str, str] = {}
    for _, node in _imports(a):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    bound[root] = root
        elif node.module and node.level == 0:
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


def _resolved(chain: str, aliases: dict[str, str]) -> str:
    """`tf.keras.layers.flatten` -> `keras.layers.flatten`; '' for a name that is no import."""
    root, _, rest = chain.partition(".")
    full = aliases.get(root) or DEFAULT_ALIASES.get(root, "")
    if not full:
        return ""
    return _canonical(f"{full}.{rest}" if rest else full)


def _finding(hint_id: str, cell: Cell, line: int, values: dict[str, str]) -> Finding:
    """A `runs` finding; `values` fill the hint (`name`: what the runtime error must name)."""
    text = cell.text(line)
    return Finding(hint_id, "runs", cell.number, line, text, values=tuple(values.items()))


def _shadowed(a: Analysis) -> set[str]:
    """Names the submission defines itself: a function or class of that name is its own."""
    return {f.node.name for f in a.facts.functions} | a.class_names


# -- row 27: the callback's model assigned -----------------------------------------------------


def _keras_callback_classes(a: Analysis) -> list[ast.ClassDef]:
    """Classes deriving from a Keras callback, directly or through the student's own classes."""
    own = {c.node.name: c.node for c in a.facts.classes}
    found: dict[str, ast.ClassDef] = {}
    changed = True
    while changed:
        changed = False
        for name, node in own.items():
            if name in found:
                continue
            for base in node.bases:
                if isinstance(base, ast.Name) and base.id in own:
                    keras = base.id in found  # the student's class: a callback if it is one
                else:
                    keras = last_name(base) in CALLBACKS
                if keras:
                    found[name] = node
                    changed = True
                    break
    return list(found.values())


def _defines_model(cls: ast.ClassDef) -> bool:
    """`model = None` in the class body, or a `model` method: the class's own attribute."""
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == "model":
            return True
        targets = (
            stmt.targets
            if isinstance(stmt, ast.Assign)
            else [stmt.target]
            if isinstance(stmt, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == "model" for t in targets):
            return True
    return False


def _targets(node: ast.expr) -> Iterator[ast.expr]:
    """The names an assignment binds: `a, (b, *c) = ...` binds a, b and c."""
    if isinstance(node, ast.Tuple | ast.List):
        for elt in node.elts:
            yield from _targets(elt)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)
    else:
        yield node


def _assigns_self_model(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> bool:
    """`self.model = ...` (not `self.model.stop_training = ...`, which sets the model's flag)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(
        isinstance(t, ast.Attribute)
        and t.attr == "model"
        and isinstance(t.value, ast.Name)
        and t.value.id == "self"
        for target in targets
        for t in _targets(target)
    )


@rule(
    "callback_model_assigned",
    "runs",
    ("callback_model_assigned",),
    "a Keras callback assigns `self.model` (a `set_model` override): read-only in Keras 3",
)
def callback_model_assigned(a: Analysis) -> None:
    classes = _keras_callback_classes(a)
    by_name = {c.name: c for c in classes}

    def own_model(cls: ast.ClassDef) -> bool:
        """The class, or one of the student's classes it derives from, defines `model`."""
        todo, seen = [cls], set()
        while todo:
            current = todo.pop()
            if current.name in seen:
                continue
            seen.add(current.name)
            if _defines_model(current):
                return True
            todo += [
                by_name[b.id] for b in current.bases if isinstance(b, ast.Name) and b.id in by_name
            ]
        return False

    for item in a.facts.assigns:
        if not item.classes or not item.funcs or item.classes[-1] not in classes:
            continue
        if _assigns_self_model(item.node) and not own_model(item.classes[-1]):
            line = item.node.lineno
            a.findings.append(
                _finding("callback_model_assigned", item.cell, line, {"name": "model"})
            )


# -- row 28: model methods Keras 3 removed -----------------------------------------------------


def _keras_models(a: Analysis) -> set[str]:
    """Names (and `self.model`) that hold a Keras model: built by `Sequential(...)`,
    `Model(...)`, `load_model(...)`, or compiled with `.compile(...)`."""
    names = {"self.model"}
    for item in a.facts.assigns:
        node = item.node
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and last_name(node.value.func) in MODEL_FACTORIES
        ):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    for item in a.method_calls("compile"):
        receiver = dotted(item.node.func.value)
        if receiver:
            names.add(receiver)
    return names


def _short(node: ast.expr | None, default: str) -> str:
    text = ast.unparse(node) if node is not None else ""
    return text if text and len(text) <= 30 and "\n" not in text else default


@rule(
    "removed_model_method",
    "runs",
    ("removed_model_method",),
    "`predict_classes`, `predict_proba` or `fit_generator` (and its kin): gone in Keras 3",
)
def removed_model_method(a: Analysis) -> None:
    shadowed = _shadowed(a)
    models = _keras_models(a)
    for item in a.facts.calls:
        func = item.node.func
        if not isinstance(func, ast.Attribute) or func.attr not in REMOVED_METHODS:
            continue
        receiver = dotted(func.value)
        if func.attr in shadowed or (
            func.attr not in KERAS_ONLY_METHODS and receiver not in models
        ):
            continue
        model = receiver or "model"
        x = _short(item.node.args[0] if item.node.args else None, "x")
        fix = REMOVED_METHODS[func.attr].format(model=model, x=x)
        a.findings.append(
            _finding(
                "removed_model_method",
                item.cell,
                item.node.lineno,
                {"name": func.attr, "fix": fix},
            )
        )


# -- row 29: lower-case (misspelt) class names -------------------------------------------------


def _capitalised(namespace: str, name: str) -> tuple[str, str] | None:
    """(namespace, class) the name is a mis-cased spelling of; None when it is right or unknown."""
    if name in CLASSES[namespace] or name in LOWER_CASE_KEPT:
        return None
    for where in (namespace, "keras.layers") if namespace == "keras" else (namespace,):
        match = next((c for c in CLASSES[where] if c.lower() == name.lower()), None)
        if match is not None:
            return where, match
    return None


@rule(
    "class_name_case",
    "runs",
    ("class_name_case",),
    "a Keras class written in lower case: `tf.keras.layers.flatten`, `tf.keras.dense`",
)
def class_name_case(a: Analysis) -> None:
    aliases = _aliases(a)
    for item in a.facts.attributes:
        spelled = dotted(item.node)
        full = _resolved(spelled, aliases)
        namespace, _, name = full.rpartition(".")
        if namespace not in CLASSES:
            continue
        fixed = _capitalised(namespace, name)
        if fixed is None:
            continue
        where, cls = fixed
        prefix = spelled.rpartition(".")[0]
        fix = f"{prefix}.{cls}" if where == namespace else f"{prefix}.layers.{cls}"
        a.findings.append(
            _finding(
                "class_name_case",
                item.cell,
                item.node.lineno,
                {"name": name, "wrong": spelled, "fix": fix},
            )
        )
    for cell, node in _imports(a):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        namespace = _canonical(node.module)
        if namespace not in CLASSES:
            continue
        for alias in node.names:
            fixed = _capitalised(namespace, alias.name)
            if fixed is None:
                continue
            where, cls = fixed
            module = node.module if where == namespace else f"{node.module}.layers"
            a.findings.append(
                _finding(
                    "class_name_case",
                    cell,
                    node.lineno,
                    {
                        "name": alias.name,
                        "wrong": f"from {node.module} import {alias.name}",
                        "fix": f"from {module} import {cls}",
                    },
                )
            )


# -- row 30: TensorFlow 1 names row 17 does not cover ------------------------------------------


@rule(
    "tf1_name",
    "runs",
    ("tf1_name",),
    "a TensorFlow 1 name: `tf.logging`, `tf.set_random_seed`, `tf.ConfigProto`...",
)
def tf1_name(a: Analysis) -> None:
    aliases = _aliases(a)
    for item in a.facts.attributes:
        spelled = dotted(item.node)
        full = _resolved(spelled, aliases)
        key = next((k for k in TF1_NAMES if full == k or full.startswith(k + ".")), None)
        if key is None:
            continue
        extra = full.count(".") - key.count(".")
        parts = spelled.split(".")
        wrong = ".".join(parts[: len(parts) - extra])
        a.findings.append(
            _finding(
                "tf1_name",
                item.cell,
                item.node.lineno,
                {"name": key.rpartition(".")[2], "wrong": wrong, "fix": TF1_NAMES[key]},
            )
        )


# -- row 31: Keras 1/2 arguments ---------------------------------------------------------------


@rule(
    "old_argument",
    "runs",
    ("renamed_argument", "epsilon_none"),
    "a Keras 1/2 argument: `fit(nb_epoch=...)`, `Dense(init=...)`, `Adam(epsilon=None)`",
)
def old_argument(a: Analysis) -> None:
    for item in a.facts.calls:
        call = item.node
        func = call.func
        name = last_name(func)
        renamed: dict[str, str] = {}
        if isinstance(func, ast.Attribute) and name in ("fit", "fit_generator"):
            renamed = FIT_RENAMED
        elif name in LAYERS:
            renamed = LAYER_RENAMED
        for keyword in call.keywords:
            if keyword.arg in renamed:
                a.findings.append(
                    _finding(
                        "renamed_argument",
                        item.cell,
                        call.lineno,
                        {"name": keyword.arg, "fix": renamed[keyword.arg]},
                    )
                )
        epsilon = kwarg(call, "epsilon") if name in OPTIMIZERS else None
        if isinstance(epsilon, ast.Constant) and epsilon.value is None:
            a.findings.append(_finding("epsilon_none", item.cell, call.lineno, {}))


# -- row 32: Keras 2 module paths --------------------------------------------------------------


def _removed_module(path: str) -> str | None:
    full = _canonical(path)
    return next((m for m in REMOVED_MODULES if _under(full, m)), None)


@rule(
    "keras2_module",
    "runs",
    ("keras2_module",),
    "a Keras 2 module path: `keras.layers.core`, `keras.utils.np_utils`, `layers.experimental`",
)
def keras2_module(a: Analysis) -> None:
    for cell, node in _imports(a):
        if isinstance(node, ast.Import):
            paths = [alias.name for alias in node.names]
        elif node.module and not node.level:
            paths = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        if any(_removed_module(p) for p in paths):
            a.findings.append(_finding("keras2_module", cell, node.lineno, {}))
    aliases = _aliases(a)
    for item in a.facts.attributes:
        spelled = dotted(item.node)
        imported = aliases.get(spelled.partition(".")[0], "")
        if imported and _removed_module(imported):
            continue  # `np_utils.x` after `from keras.utils import np_utils`: the import is named
        full = _resolved(spelled, aliases)
        if full and _removed_module(full):
            a.findings.append(_finding("keras2_module", item.cell, item.node.lineno, {}))


# -- row 33: saving without the file extension Keras 3 needs -----------------------------------


@rule(
    "save_extension",
    "runs",
    ("save_extension",),
    "`model.save('name')` without `.keras`, or weights saved without `.weights.h5`",
)
def save_extension(a: Analysis) -> None:
    models = _keras_models(a)
    for method, endings in SAVE_EXTENSIONS.items():
        for item in a.method_calls(method):
            call = item.node
            if dotted(call.func.value) not in models:
                continue
            given = kwarg(call, "filepath")
            path = string(given if given is not None else (call.args[0] if call.args else None))
            if path is not None and not path.lower().endswith(endings):
                a.findings.append(_finding("save_extension", item.cell, call.lineno, {}))


# -- row 34: the optimizer's class given to compile -------------------------------------------


@rule(
    "optimizer_class",
    "runs",
    ("optimizer_class",),
    "`compile(optimizer=tf.keras.optimizers.Adam)`: the class, not an optimizer",
)
def optimizer_class(a: Analysis) -> None:
    aliases = _aliases(a)
    for item in a.method_calls("compile"):
        call = item.node
        given = kwarg(call, "optimizer")
        if given is None and call.args and not isinstance(call.args[0], ast.Starred):
            given = call.args[0]
        if not isinstance(given, ast.Name | ast.Attribute) or last_name(given) not in OPTIMIZERS:
            continue
        spelled = dotted(given)
        if _under(_resolved(spelled, aliases), "keras"):
            fix = f"optimizer={spelled}()"
            a.findings.append(_finding("optimizer_class", item.cell, call.lineno, {"fix": fix}))


__all__ = [
    "callback_model_assigned",
    "class_name_case",
    "keras2_module",
    "old_argument",
    "optimizer_class",
    "removed_model_method",
    "save_extension",
    "tf1_name",
]
