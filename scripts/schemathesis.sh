#!/usr/bin/env bash
# Property-based run of schemathesis against the OpenAPI description the host serves
# (issue 14): builds imcore-server, starts it in memory on a free loopback port with the
# default app (org demo, app demo), gets an app token, and runs `st run` against
# /openapi.json with the checks below, a fixed seed, a bounded number of examples per
# operation and an overall time bound. Exits nonzero on any failure; the server is stopped
# by its PID in every case.
#
# Usage: scripts/schemathesis.sh            (ST=/path/to/st, SEED, EXAMPLES, MAX_TIME, WORKERS
#                                            override the defaults)
# Install schemathesis once: python3 -m venv /work/venv-st && /work/venv-st/bin/pip install schemathesis
set -euo pipefail

ST=${ST:-/work/venv-st/bin/st}
SEED=${SEED:-14}
EXAMPLES=${EXAMPLES:-25}
MAX_TIME=${MAX_TIME:-240}
WORKERS=${WORKERS:-2}
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance

cd "$(dirname "$0")/.."
cargo build -j 2 -p imcore-server
BIN=target/debug/imcore-server

# A free loopback port: bound by the kernel, released, then taken by the server.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
"$BIN" --in-memory --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

for _ in $(seq 100); do
    curl -sf "$BASE/openapi.json" >/dev/null && break
    sleep 0.1
done

TOKEN=$(curl -sf -X POST "$BASE/demo/demo/token" -H 'Content-Type: application/json' \
    -d '{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# Every path is under /{org}/{app}: fix them to the app served, so that the run exercises
# the routes rather than the unknown-app answer.
cat >"$WORK/schemathesis.toml" <<TOML
[parameters]
"path.org" = "demo"
"path.app" = "demo"
TOML

set +e
"$ST" --config-file "$WORK/schemathesis.toml" run "$BASE/openapi.json" \
    --header "Authorization: Bearer $TOKEN" \
    --checks "$CHECKS" \
    --seed "$SEED" \
    --max-examples "$EXAMPLES" \
    --max-time "$MAX_TIME" \
    --workers "$WORKERS" \
    --phases examples,coverage,fuzzing \
    --request-timeout 10 \
    --no-color \
    "$@"
STATUS=$?
set -e
if grep -q "panicked" "$WORK/server.log"; then
    echo "the server panicked:" >&2
    grep -A5 "panicked" "$WORK/server.log" >&2
    STATUS=1
fi
exit "$STATUS"
