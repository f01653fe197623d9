#!/usr/bin/env bash
# Installs the Chromium the HTML-report browser test drives (test/verify/report-html.test.ts), from
# Debian's packages. Idempotent: does nothing when /usr/bin/chromium is already there. Needs root
# (or sudo) the first time; the test itself never installs anything.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium) already installed"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null; then
  SUDO=(sudo)
else
  echo "error: installing chromium needs root (apt-get install -y chromium); rerun $0 as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends chromium
/usr/bin/chromium --version
