#!/usr/bin/env bash
# Gradescope autograder set-up: Gradescope runs this once when it builds the autograder image.
# Upload a zip of the grader's repository (it must contain this folder) as the autograder.
set -euo pipefail
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  python3 python3-venv python3-pip bubblewrap dataset-fashion-mnist
python3 -m venv /opt/grader
/opt/grader/bin/pip install --quiet --upgrade pip
/opt/grader/bin/pip install --quiet "$source_dir"
# Data sets at image-build time: grading itself needs no network.
GRADER_DATA_DIR=/opt/grader-data /opt/grader/bin/grader data fetch
chmod -R a+rX /opt/grader-data
