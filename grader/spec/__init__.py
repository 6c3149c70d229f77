"""The spec: an exercise as data (`exercises/<id>/exercise.toml`), read, validated and typed."""
