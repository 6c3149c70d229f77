#!/usr/bin/env bash
# Installs the Debian packages the grader uses, where apt is available and we may use it:
#   dataset-fashion-mnist  Fashion-MNIST files for offline provisioning
#   bubblewrap             namespace isolation for submissions (optional; used when present)
# and, with the argument `test`, for the test suite only:
#   chromium               headless browser for the HTML report tests (tests/test_report_browser.py)
#   fonts-liberation       fonts for its screenshots (a recommends, skipped by --no-install-recommends)
# Elsewhere (macOS, no root) it says what is missing and carries on: `grader data fetch`
# then tries the other sources and names the fix if none works.
set -euo pipefail
packages=(dataset-fashion-mnist bubblewrap)
if [ "${1:-}" = "test" ]; then
  packages+=(chromium fonts-liberation)
fi
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  echo "system-deps: no dpkg here; skipping Debian packages (${packages[*]})"
  exit 0
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${missing[*]}; install them with: sudo apt-get install ${missing[*]}"
  exit 0
fi
echo "system-deps: installing ${missing[*]}"
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
