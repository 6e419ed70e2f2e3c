#!/usr/bin/env bash
# `npm run build`: src/ → dist/ (tsc, tsconfig.build.json), plus the files the runtime reads beside
# its modules (the SQL migrations). bin/layers.mjs then runs dist/ instead of src/ through tsx,
# as long as dist/BUILT is newer than every file in src/ (see bin/layers.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=$(mktemp) # taken before compiling: a source edited during the build makes dist/ stale
rm -rf dist
npx tsc -p tsconfig.build.json
mkdir -p dist/db/migrations
cp src/db/migrations/*.sql dist/db/migrations/
mv "$stamp" dist/BUILT
