#!/usr/bin/env bash
# Print a Python >= 3.12 interpreter command (the default python3 may be older).
# Prefers python3.12, then python3.13, on PATH; pyenv shims need a version selected, so ask pyenv too.
set -u
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
for candidate in python3.12 python3.13 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && ok "$candidate"; then echo "$candidate"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])' | sort -V); do
    path=$(PYENV_VERSION="$version" pyenv which python3 2>/dev/null) || continue
    if ok "$path"; then echo "$path"; exit 0; fi
  done
fi
echo "error: Python >= 3.12 not found (install python3.12)" >&2
exit 1
