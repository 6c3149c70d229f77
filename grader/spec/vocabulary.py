"""The words an exercise spec may use: one home for each list of allowed values.

The validator (`grader.spec.schema`) refuses any other value, naming the nearest of these; the
code that acts on a value (the data sets' loader, the pattern matcher, the robustness rule, the
late policy) reads the same list. A new allowed value is one more item here, nowhere else.
"""

from __future__ import annotations

# The course data sets (`dataset = ...`); grader.grading.data serves each.
DATASETS: tuple[str, ...] = ("mnist", "fashion_mnist")

# How often an item of `[architecture] layers` repeats (grader.spec.pattern.LayerPattern).
REPEATS: tuple[str, ...] = ("once", "optional", "one or more", "any number")
# `units` and `activation` of a layer item may say this instead of a value.
ANY = "any"

# Which model is graded when a notebook trains several (`[training] graded_fit`).
GRADED_FIT_RULES: tuple[str, ...] = ("last", "first")

# What the entry point is called with (`entry_point_args`) and how its data is scaled.
ENTRY_ARGS: tuple[str, ...] = ("training_images", "training_labels", "test_images", "test_labels")
ENTRY_SCALES: tuple[str, ...] = ("notebook", "raw", "unit")

# How several seeds decide a borderline check (`[robustness] rule`; grader.spec.robustness).
ROBUSTNESS_RULES: tuple[str, ...] = ("majority", "any", "all")

# The late penalty's unit (`[deadline] per`) and its length in seconds (grader.classroom.late).
DEADLINE_UNITS_S: dict[str, float] = {"day": 86400.0, "hour": 3600.0}

# `np.random.seed` and TensorFlow take a seed in this range (`seed = ...`).
SEED_MAX = 2**32 - 1
# The most seeds a verdict may be confirmed on (`[robustness] seeds`, `--seeds`): each is one more
# training of every borderline submission.
MAX_SEEDS = 100

# Keras's activation functions by name, as a saved model records them (Keras 3.15; checked
# against the installed Keras by tests/spec/test_vocabulary.py). No alias: a model built with
# "swish" records "silu", so a spec saying "swish" could never match.
ACTIVATIONS: tuple[str, ...] = (
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh", "tanh_shrink",
    "threshold",
)  # fmt: skip

# Keras's layer classes by the name a model reports (`type = ...`, `allow_extra = [...]`): the
# class's own name, never an alias (`MaxPooling2D`, not `MaxPool2D`, which no model reports).
LAYER_TYPES: tuple[str, ...] = (
    "Activation", "ActivityRegularization", "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "Add", "AdditiveAttention", "AlphaDropout",
    "Attention", "AugMix", "AutoContrast", "Average", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "BatchNormalization", "Bidirectional", "CategoryEncoding", "CenterCrop",
    "Concatenate", "ContrastLimitedAdaptiveHistogramEqualization", "Conv1D", "Conv1DTranspose",
    "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "ConvLSTM1D", "ConvLSTM2D",
    "ConvLSTM3D", "Cropping1D", "Cropping2D", "Cropping3D", "CutMix", "Dense", "DepthwiseConv1D",
    "DepthwiseConv2D", "Discretization", "Dot", "Dropout", "ELU", "EinsumDense", "Embedding",
    "Equalization", "Flatten", "GRU", "GaussianDropout", "GaussianNoise",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GroupNormalization",
    "HashedCrossing", "Hashing", "Identity", "IntegerLookup", "LSTM", "Lambda",
    "LayerNormalization", "LeakyReLU", "Masking", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "Maximum", "MelSpectrogram", "Minimum", "MixUp", "MultiHeadAttention", "Multiply",
    "Normalization", "PReLU", "Permute", "RMSNormalization", "RNN", "RandAugment",
    "RandomBrightness", "RandomColorDegeneration", "RandomColorJitter", "RandomContrast",
    "RandomCrop", "RandomElasticTransform", "RandomErasing", "RandomFlip", "RandomGaussianBlur",
    "RandomGrayscale", "RandomHue", "RandomInvert", "RandomPerspective", "RandomPosterization",
    "RandomRotation", "RandomSaturation", "RandomSharpness", "RandomShear", "RandomTranslation",
    "RandomZoom", "ReLU", "RepeatVector", "Rescaling", "Reshape", "Resizing",
    "ReversibleEmbedding", "STFTSpectrogram", "SeparableConv1D", "SeparableConv2D", "SimpleRNN",
    "Softmax", "Solarization", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
    "SpectralNormalization", "StringLookup", "Subtract", "TextVectorization", "TimeDistributed",
    "UnitNormalization", "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D",
    "ZeroPadding2D", "ZeroPadding3D",
)  # fmt: skip
