#!/usr/bin/env bash
# Static checks, run first by `npm test` (and alone by `npm run lint`): types, format and lint,
# layer rules, the OpenAPI document's lint, line length. docs/architecture.md "Boundaries" says
# why each one is here.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit
# Format and lint (Biome, 120 columns): `npm run format` fixes what it can.
npx biome check .
# Layer rules and no import cycles (.dependency-cruiser.cjs).
npx depcruise src --config .dependency-cruiser.cjs
# The committed OpenAPI document against Redocly's recommended rules (redocly.yaml; the one accepted
# finding, with its reason, in .redocly.lint-ignore.yaml). Offline: no telemetry, no update check.
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx redocly lint openapi/openapi.json --format=stylish
# The formatter wraps code at 120 columns but never a comment or a string: those are ours to wrap.
long=$(git ls-files -co --exclude-standard 'src/*.ts' 'src/**/*.ts' | xargs awk 'length > 120 { print FILENAME ":" FNR }')
if [ -n "$long" ]; then
  echo "Lines over 120 columns in src:" >&2
  echo "$long" >&2
  exit 1
fi
