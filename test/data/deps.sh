#!/usr/bin/env bash
# What only the scale-out test (test/data/dask.test.ts) needs: Debian 12's Dask distributed and
# pandas for /usr/bin/python3. test/run-all.sh runs this; the demo and the CLI never need it.
# Installs only what is missing (as root, like scripts/setup.sh).
set -euo pipefail
if ! /usr/bin/python3 -c 'import distributed, pandas' 2>/dev/null; then
  echo "setup: installing python3-distributed python3-pandas (scale-out test)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends python3-distributed python3-pandas >/dev/null
fi
