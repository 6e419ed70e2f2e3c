#!/usr/bin/env bash
# The reliability suite (docs/operations.md): real `layers serve` / `layers worker` processes,
# kill -9 mid-revoke, durability of an acknowledged revoke, a database cut, SIGTERM under load,
# mixed load on several instances, a fuzzer, the publisher's races repeated. One file at a time:
# they time and measure processes. REL_DURATION_S shortens the mixed load (default 60),
# REL_RACE_REPEATS sets the races' repetitions (default 6); TEST_DATABASES narrows the databases.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test/reliability -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}" "$@"
