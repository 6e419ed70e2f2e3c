#!/usr/bin/env bash
# The production install, exercised on the host (CI runs it; no container runtime needed). The
# Dockerfile's own steps (scripts/image.sh deps, build, runtime) in a clean copy of the checkout:
# a production install with no TypeScript, no tsx and no src/. That copy
# then runs `layers serve --no-worker` from dist/ with NODE_ENV=production against a PostgreSQL
# database of its own (created and dropped here), secrets read from files as compose.yaml mounts
# them. Through the admin commands: an organization, a test key, a project, a TikTok account
# with 5 queued posts; the revoke (curl) must cancel all 5; `layers worker --once` runs a pass;
# SIGTERM must exit 0 and take server.json with it. Prints the time of each step.
#   SMOKE_DATABASE_URL  the PostgreSQL to create the database in (default postgres://postgres@127.0.0.1:5432/test)
set -euo pipefail
cd "$(dirname "$0")/.."
base_url=${SMOKE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
work=$(mktemp -d "${TMPDIR:-/tmp}/layers-smoke-XXXXXX")
db="layers_smoke_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
db_url="${base_url%/*}/$db"
server_pid=
t0=$(date +%s.%N)
step() { printf "[smoke %6.1fs] %s\n" "$(awk "BEGIN { print $(date +%s.%N) - $t0 }")" "$*"; }
fail() {
  echo "production smoke FAILED: $*" >&2
  [ -f "$work/serve.log" ] && tail -n 40 "$work/serve.log" >&2
  exit 1
}
cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  psql "$base_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# One field of the JSON object on stdin, e.g. `field organizationId`.
field() { node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(0, "utf8"))[process.argv[1]]))' "$1"; }

step "clean copy of the checkout into $work/app"
mkdir -p "$work/app"
git ls-files -z -co --exclude-standard | xargs -0 tar -cf - | tar -xf - -C "$work/app"
cd "$work/app"
# The image's own steps (scripts/image.sh, which the Dockerfile runs).
step 'scripts/image.sh deps'
bash scripts/image.sh deps
step 'scripts/image.sh build'
bash scripts/image.sh build
step 'scripts/image.sh runtime (npm ci --omit=dev); src/ removed'
bash scripts/image.sh runtime
rm -rf src test bench scripts sdk
for dev in tsx typescript @biomejs/biome; do
  [ ! -e "node_modules/$dev" ] || fail "node_modules/$dev is still installed"
done
node -e 'import("tsx/esm/api").then(() => process.exit(1), () => {})' || fail 'tsx is importable'

step "database $db"
psql "$base_url" -qc "CREATE DATABASE $db" >/dev/null
mkdir -p "$work/secrets" "$work/data"
node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64"))' >"$work/secrets/master.key"
node -e 'process.stdout.write("lat_" + require("crypto").randomBytes(32).toString("base64url"))' >"$work/secrets/admin-token"
export NODE_ENV=production DATABASE_URL="$db_url" LAYERS_DATA_DIR="$work/data" LOG_LEVEL=warn \
  LAYERS_MASTER_KEY_FILE="$work/secrets/master.key" LAYERS_ADMIN_TOKEN_FILE="$work/secrets/admin-token" \
  LAYERS_TIKTOK_CLIENT_KEY=smoke LAYERS_TIKTOK_CLIENT_SECRET=smoke \
  LAYERS_INSTAGRAM_CLIENT_ID=smoke LAYERS_INSTAGRAM_CLIENT_SECRET=smoke \
  LAYERS_SANDBOX_PORT=1 # test accounts' platform calls: refused, never another process's sandbox on 8090
layers() { node bin/layers.mjs "$@"; }

step 'layers serve --no-worker (from dist/)'
node bin/layers.mjs serve --port 0 --no-worker >"$work/serve.log" 2>&1 & # not the function: $! is node
server_pid=$!
for _ in $(seq 1 600); do
  [ -f "$work/data/server.json" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail 'the server exited before listening'
  sleep 0.1
done
base=$(field url <"$work/data/server.json")
curl -sf "$base/readyz" >/dev/null || fail '/readyz is not 200'
step "listening at $base"

org=$(layers admin org create --name 'Smoke Agency' | field organizationId)
key=$(layers admin key create --org "$org" --scopes social:read,social:write --env test | field key)
project=$(layers admin project create --org "$org" --name 'Smoke Customer' | field projectId)
account=$(layers admin account create --project "$project" --platform tiktok --handle smoke | field socialAccountId)
layers admin posts create --account "$account" --count 5 >/dev/null
step "admin commands: $org, $project, $account with 5 queued posts"
queued=$(curl -sf "$base/v1/social-accounts/$account" -H "Authorization: Bearer $key" | field queuedScheduledPosts)
[ "$queued" = 5 ] || fail "queuedScheduledPosts $queued, expected 5"
canceled=$(curl -sf -X DELETE "$base/v1/social-accounts/$account" -H "Authorization: Bearer $key" |
  field canceledScheduledPosts)
[ "$canceled" = 5 ] || fail "the revoke canceled $canceled posts, expected 5"
step 'revoke: 5 queued posts canceled'
layers worker --once >"$work/worker.json" || fail 'layers worker --once failed'
step "layers worker --once: $(head -c 200 "$work/worker.json")"

kill -TERM "$server_pid"
code=0
wait "$server_pid" || code=$?
server_pid=
[ "$code" = 0 ] || fail "the server exited $code on SIGTERM"
[ ! -e "$work/data/server.json" ] || fail 'server.json is still there after SIGTERM'
step 'SIGTERM: exit 0, server.json removed'
echo "production smoke passed in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }") s"
