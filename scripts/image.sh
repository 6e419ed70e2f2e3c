#!/usr/bin/env bash
# The container image's build and install steps, in one place: the Dockerfile runs them, and
# scripts/production-smoke.sh (in CI) runs the same ones on the host in a clean copy.
#   deps     npm ci (dev dependencies included: the build needs TypeScript)
#   build    src/ → dist/ (scripts/build.sh)
#   runtime  the production install: npm ci --omit=dev (no TypeScript, no tsx)
set -euo pipefail
case "${1:-}" in
  deps) npm ci --no-audit --no-fund --prefer-offline --loglevel=error ;;
  build) bash "$(dirname "$0")/build.sh" ;;
  runtime) npm ci --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error ;;
  *)
    echo "usage: scripts/image.sh deps|build|runtime" >&2
    exit 2
    ;;
esac
