#!/usr/bin/env bash
# Property-based run of schemathesis against the OpenAPI description the host serves
# (issue 14): builds imcore-server, starts it in memory on a free loopback port with the
# default app (org demo, app demo), gets an app token, and runs `st run` against
# /openapi.json with the checks below, a fixed seed, a bounded number of examples per
# operation and time bounds (170 s for coverage and fuzzing, 80 s for the stateful phase). Exits nonzero on any failure; the server is stopped
# by its PID in every case.
#
# Usage: scripts/schemathesis.sh            (ST=/path/to/st, SEED, EXAMPLES, FUZZ_TIME,
#                                            STATEFUL_TIME, WORKERS override the
#                                            defaults; extra arguments go to both
#                                            st runs, paths in them absolute)
# Install schemathesis once: python3 -m venv /work/venv-st && /work/venv-st/bin/pip install schemathesis
set -euo pipefail

ST=${ST:-/work/venv-st/bin/st}
SEED=${SEED:-14}
EXAMPLES=${EXAMPLES:-25}
FUZZ_TIME=${FUZZ_TIME:-170}
STATEFUL_TIME=${STATEFUL_TIME:-80}
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

# Data for the run to reach past "not found": users (two of them friends), groups with
# threads, rooms, messages, an attachment and a group file. The config binds the path, query
# and body parameters that name these to their ids (each drawn from the data with
# probability 0.6, else generated) and fixes {org}/{app} to the app served. The operations
# that delete what they name draw from separate ids, so that the rest keep finding theirs;
# `DELETE /users?limit=` (the oldest users) deletes one at a time, from 300 users registered
# first for it.
BASE=$BASE TOKEN=$TOKEN python3 >"$WORK/schemathesis.toml" <<'PY'
import json, os, urllib.request

base, token = os.environ["BASE"] + "/demo/demo", os.environ["TOKEN"]

def call(method, path, body=None, ctype="application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", ctype)
    with urllib.request.urlopen(req) as r:
        return json.load(r)

def register(names):
    for i in range(0, len(names), 50):
        call("POST", "/users", [{"username": u, "password": "pw-" + u} for u in names[i:i + 50]])

register([f"oldest{i}" for i in range(300)])
users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
victims = [f"victim{i}" for i in range(40)]
register(users + victims)
call("POST", "/users/alice/contacts/users/bob")
call("POST", "/users/alice/blocks/users", {"usernames": ["heidi"]})

def group():
    return call("POST", "/chatgroups", {"groupname": "g", "description": "d", "owner": "alice",
                "members": ["bob", "carol"], "public": True, "maxusers": 200})["data"]["groupid"]

def room():
    return call("POST", "/chatrooms", {"name": "r", "description": "d", "owner": "alice",
                "members": ["bob", "carol"]})["data"]["id"]

groups, rooms = [group() for _ in range(3)], [room() for _ in range(3)]
victim_groups, victim_rooms = [group() for _ in range(20)], [room() for _ in range(20)]
msgs, threads = [], []
for g in groups + victim_groups[:5]:
    sent = call("POST", "/messages/chatgroups", {"from": "alice", "to": [g], "type": "txt",
                "body": {"msg": "hello"}})["data"][g]
    msgs.append(sent)
    threads.append(call("POST", "/thread", {"group_id": g, "name": "t", "msg_id": sent,
                        "owner": "alice"})["data"]["thread_id"])
msgs.append(call("POST", "/messages/users", {"from": "alice", "to": ["bob"], "type": "txt",
                 "body": {"msg": "hi"}})["data"]["bob"])
boundary = "imcore-boundary"
part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
        f"Content-Type: text/plain\r\n\r\nbytes\r\n--{boundary}--\r\n").encode()
chatfile = call("POST", "/chatfiles", part,
                f"multipart/form-data; boundary={boundary}")["entities"][0]["uuid"]
gfiles = [call("POST", f"/chatgroups/{g}/share_files?file_name=f.txt", b"bytes",
               "application/octet-stream")["data"]["file_id"] for g in groups]

dictionaries = {
    "users": users,
    "user_lists": users + ["alice,bob", "bob,carol,dave"],
    "victims": victims,
    "groups": groups,
    "victim_groups": victim_groups,
    "rooms": rooms,
    "victim_rooms": victim_rooms,
    "threads": threads[:3],
    "victim_threads": threads[3:],
    "msgs": msgs,
    "chatfiles": [chatfile],
    "gfiles": gfiles,
    "verdicts": ["accept", "approve", "decline"],
    "chattypes": ["user", "chat", "groupchat"],
    "hours": ["2026120500", "2026120501"],
}
bindings = {
    "path.username": "users", "path.owner": "users", "path.friend": "users",
    "path.blocked": "users", "path.op": "users", "path.users": "user_lists",
    "query.username": "users", "query.userId": "users", "body.usernames[*]": "users",
    "body.owner": "users", "body.from": "users", "body.members[*]": "users",
    "body.newadmin": "users", "body.superadmin": "users", "body.user": "users",
    "path.g": "groups", "query.groupId": "groups", "body.group_id": "groups",
    "path.id": "rooms", "path.t": "threads",
    "path.msg_id": "msgs", "query.msgId": "msgs", "body.msg_id": "msgs", "body.msgId": "msgs",
    "path.uuid": "chatfiles", "path.file_id": "gfiles",
    "path.verdict": "verdicts", "path.chattype": "chattypes", "path.time": "hours",
}

def binding(dictionary):
    return f'{{ dictionary = "{dictionary}", probability = 0.6 }}'

print('[parameters]\n"path.org" = "demo"\n"path.app" = "demo"')
for key, dictionary in bindings.items():
    print(f'"{key}" = {binding(dictionary)}')
destructive = {
    "delete_users_username": ("path.username", "victims"),
    "post_users_username_deactivate": ("path.username", "victims"),
    "put_users_username_password": ("path.username", "victims"),
    "delete_chatgroups_g": ("path.g", "victim_groups"),
    "post_chatgroups_g_disable": ("path.g", "victim_groups"),
    "put_chatgroups_g": ("path.g", "victim_groups"),
    "delete_chatrooms_id": ("path.id", "victim_rooms"),
    "delete_thread_t": ("path.t", "victim_threads"),
}
for op, (key, dictionary) in destructive.items():
    print(f'\n[[operations]]\ninclude-operation-id = "{op}"\n'
          f'parameters = {{ "path.org" = "demo", "path.app" = "demo", "{key}" = {binding(dictionary)} }}')
print('\n[[operations]]\ninclude-operation-id = "delete_users"\n'
      'parameters = { "path.org" = "demo", "path.app" = "demo", "query.limit" = 1 }')
for name, values in dictionaries.items():
    print(f"\n[dictionaries.{name}]\nvalues = {json.dumps(values)}")
PY

# Two runs on the same server: the coverage and fuzzing phases (each operation alone), then
# the stateful phase (sequences along the description's links: create, then use the new id).
st_run() {
    (cd "$WORK" && "$ST" --config-file "$WORK/schemathesis.toml" run "$BASE/openapi.json" \
        --header "Authorization: Bearer $TOKEN" \
        --checks "$CHECKS" \
        --seed "$SEED" \
        --max-examples "$EXAMPLES" \
        --workers "$WORKERS" \
        --request-timeout 10 \
        --no-color \
        --generation-database none \
        "$@")
}
set +e
st_run --phases examples,coverage,fuzzing --max-time "$FUZZ_TIME" "$@"
FUZZ_STATUS=$?
st_run --phases stateful --max-time "$STATEFUL_TIME" "$@"
STATEFUL_STATUS=$?
set -e
STATUS=$((FUZZ_STATUS || STATEFUL_STATUS))
# A panic caught by the host (answered 500) or an error it logged fails the run too.
if grep -qE "panicked| ERROR " "$WORK/server.log"; then
    echo "the server logged a panic or an error:" >&2
    grep -E -A5 "panicked| ERROR " "$WORK/server.log" | head -50 >&2
    STATUS=1
fi
exit "$STATUS"
