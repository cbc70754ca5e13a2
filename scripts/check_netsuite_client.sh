#!/usr/bin/env bash
# Checks that the widely used open-source NetSuite client `netsuite` (PyPI, TBA + REST API +
# SuiteQL) works unchanged against Ferry's NetSuite simulator (see docs/sandbox.md).
#
# Usage:
#   scripts/check_netsuite_client.sh          # builds ferry, starts `ferry sandbox --seed 1`
#   scripts/check_netsuite_client.sh URL      # against a running simulator, e.g. http://127.0.0.1:8082
#
# Needs Python 3 and PyPI. The virtualenv lives in ${NS_CHECK_VENV:-target/ns-client-venv}.
# Exit status 0 = every step passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${NS_CHECK_VENV:-$ROOT/target/ns-client-venv}"
PORT_SF="${NS_CHECK_SF_PORT:-18083}"
PORT_NS="${NS_CHECK_PORT:-18084}"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import netsuite" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet "netsuite==0.12.0"
fi

if [ "$#" -eq 1 ]; then
    exec "$VENV/bin/python" "$ROOT/scripts/check_netsuite_client.py" "$1"
fi

LOG_DIR="$ROOT/target/ns-client-check"
LOG="$LOG_DIR/sandbox.log"
mkdir -p "$LOG_DIR"
cargo build --quiet --bin ferry --manifest-path "$ROOT/Cargo.toml"
FERRY="${CARGO_TARGET_DIR:-$ROOT/target}/debug/ferry"

"$FERRY" sandbox --seed 1 \
    --salesforce-bind "127.0.0.1:$PORT_SF" --netsuite-bind "127.0.0.1:$PORT_NS" >"$LOG" 2>&1 &
SANDBOX_PID=$!
trap 'kill "$SANDBOX_PID" 2>/dev/null || true' EXIT

URL="http://127.0.0.1:$PORT_NS"
for _ in $(seq 1 100); do
    if curl --silent --fail "$URL/__sandbox/demo-credentials" >/dev/null; then
        break
    fi
    if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
        cat "$LOG" >&2
        echo "ferry sandbox exited early" >&2
        exit 1
    fi
    sleep 0.1
done

"$VENV/bin/python" "$ROOT/scripts/check_netsuite_client.py" "$URL"
