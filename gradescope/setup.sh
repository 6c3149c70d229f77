#!/usr/bin/env bash
# Gradescope autograder set-up: Gradescope runs this once when it builds the autograder image.
# Upload a zip of the grader's repository (it must contain this folder) as the autograder.
# GRADER_PREFIX (the venv, default /opt/grader) and GRADER_DATA_DIR (default /opt/grader-data)
# exist so the same script runs in tests outside Gradescope.
set -euo pipefail
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${GRADER_PREFIX:-/opt/grader}"
export GRADER_DATA_DIR="${GRADER_DATA_DIR:-/opt/grader-data}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    python3 python3-venv python3-pip bubblewrap dataset-fashion-mnist
fi
python3 -m venv "$prefix"
"$prefix/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
"$prefix/bin/pip" install --quiet --disable-pip-version-check "$source_dir"
# Data sets at image-build time: grading itself needs no network.
"$prefix/bin/grader" data fetch
chmod -R a+rX "$GRADER_DATA_DIR"
