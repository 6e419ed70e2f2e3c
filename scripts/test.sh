#!/usr/bin/env bash
# The whole suite: type check, then every test file on PGlite and on PostgreSQL.
# TEST_DATABASES=pglite narrows it for a machine without PostgreSQL (CI never does).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-reporter=spec "${files[@]}" "$@"
