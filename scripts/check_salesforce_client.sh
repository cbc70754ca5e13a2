#!/usr/bin/env bash
# Checks that the widely used open-source Salesforce client `simple-salesforce` (PyPI) works
# unchanged against Ferry's Salesforce simulator (see docs/sandbox.md).
#
# Usage:
#   scripts/check_salesforce_client.sh                 # builds ferry, starts `ferry sandbox --tls`
#   scripts/check_salesforce_client.sh URL CERT_PEM    # against a sandbox already running with --tls
#
# Needs Python 3 and PyPI. The virtualenv lives in ${SF_CHECK_VENV:-target/sf-client-venv}.
# CI: `bash scripts/check_salesforce_client.sh` (exit status 0 = every step passed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SF_CHECK_VENV:-$ROOT/target/sf-client-venv}"
PORT_SF="${SF_CHECK_PORT:-18081}"
PORT_NS="${SF_CHECK_NS_PORT:-18082}"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import simple_salesforce, jwt, cryptography" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet "simple-salesforce==1.12.10" "PyJWT[crypto]==2.15.1" "requests>=2.32"
fi

if [ "$#" -eq 2 ]; then
    exec "$VENV/bin/python" "$ROOT/scripts/check_salesforce_client.py" "$1" "$2"
fi

TLS_DIR="$ROOT/target/sf-client-check"
LOG="$TLS_DIR/sandbox.log"
mkdir -p "$TLS_DIR"
cargo build --quiet --bin ferry --manifest-path "$ROOT/Cargo.toml"
FERRY="${CARGO_TARGET_DIR:-$ROOT/target}/debug/ferry"

"$FERRY" sandbox --tls --tls-dir "$TLS_DIR" --seed 1 \
    --salesforce-bind "127.0.0.1:$PORT_SF" --netsuite-bind "127.0.0.1:$PORT_NS" >"$LOG" 2>&1 &
SANDBOX_PID=$!
trap 'kill "$SANDBOX_PID" 2>/dev/null || true' EXIT

URL="https://127.0.0.1:$PORT_SF"
CERT="$TLS_DIR/ferry-sandbox-cert.pem"
for _ in $(seq 1 100); do
    if [ -f "$CERT" ] && curl --silent --fail --cacert "$CERT" "$URL/services/data/" >/dev/null; then
        break
    fi
    if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
        cat "$LOG" >&2
        echo "ferry sandbox exited early" >&2
        exit 1
    fi
    sleep 0.1
done

"$VENV/bin/python" "$ROOT/scripts/check_salesforce_client.py" "$URL" "$CERT"
