#!/usr/bin/env bash
# The whole suite: static checks (scripts/lint.sh), then every test file on PGlite and on PostgreSQL.
# TEST_DATABASES=pglite narrows it for a machine without PostgreSQL (CI never does).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/lint.sh
# test/reliability (real processes, kill -9, load, fuzzing) is its own run: npm run test:reliability.
mapfile -t files < <(find test -name '*.test.ts' -not -path 'test/reliability/*' | sort)
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-reporter=spec "${files[@]}" "$@"
