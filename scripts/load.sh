#!/usr/bin/env bash
# The REST load check of BENCHMARKS.md ("imcore-server load check"): starts the release
# server in memory on a loopback port, builds alice (100 friends, 50 blocked) through the REST
# API, then runs wrk (2 threads, 16 keep-alive connections, 10 s) on the friend list and the
# block list, and stops the server by its PID.
#
#   cargo build --release -p imcore-server && bash scripts/load.sh [runs]
#
# Needs wrk (Debian: apt-get install -y wrk), curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-1}
PORT=${PORT:-5090}
BASE=http://127.0.0.1:$PORT/demo/demo
RUST_LOG=warn ./target/release/imcore-server --in-memory --listen 127.0.0.1:$PORT >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "$BASE/token" && break; sleep 0.1; done
TOKEN=$(curl -s -X POST $BASE/token -H 'Content-Type: application/json' \
  -d '{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}' \
  | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
auth=(-H "Authorization: Bearer $TOKEN")
curl -s -o /dev/null -X POST $BASE/users "${auth[@]}" -H 'Content-Type: application/json' -d '{"username":"alice","password":"pw"}'
for b in 0 1 2 3; do
  body=$(python3 -c "import json;print(json.dumps([{'username':f'u{$b*50+i}','password':'pw'} for i in range(50)]))")
  curl -s -o /dev/null -X POST $BASE/users "${auth[@]}" -H 'Content-Type: application/json' -d "$body"
done
for i in $(seq 0 99); do curl -s -o /dev/null -X POST $BASE/users/alice/contacts/users/u$i "${auth[@]}"; done
body=$(python3 -c "import json;print(json.dumps({'usernames':[f'u{i}' for i in range(100,150)]}))")
curl -s -o /dev/null -X POST $BASE/users/alice/blocks/users "${auth[@]}" -H 'Content-Type: application/json' -d "$body"
curl -s $BASE/users/alice/contacts/users "${auth[@]}" | python3 -c 'import sys,json;print("friends:",json.load(sys.stdin)["count"])'
curl -s $BASE/users/alice/blocks/users "${auth[@]}" | python3 -c 'import sys,json;print("blocked:",json.load(sys.stdin)["count"])'
for run in $(seq "$RUNS"); do
  echo "== run $run, friend list ($(uptime | sed 's/.*load/load/'))"
  wrk -t2 -c16 -d10s --latency "${auth[@]}" $BASE/users/alice/contacts/users
  echo "== run $run, block list"
  wrk -t2 -c16 -d10s --latency "${auth[@]}" $BASE/users/alice/blocks/users
done
