#!/usr/bin/env bash
# The whole test suite: unit specs and the system end-to-end specs against the real
# PostgreSQL, Redis and Apache Kafka that this script brings up. Used by CI (.ci/run).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
started=$(date +%s)

ensure_node_modules
step "infrastructure (PostgreSQL, Redis, Kafka)"
bash scripts/infra.sh up
step "build and type check (process-level tests run the built services)"
npm run --silent build
npx tsc -p tsconfig.spec.json --noEmit
step "lint and format (typescript-eslint, Nx module boundaries, Prettier)"
# The Nx boundary rule reads the cached project graph and silently skips itself without one
# (as in a fresh clone): compute it first.
npx nx show projects >/dev/null
npx eslint --max-warnings=0 apps libs tools migrations deploy
npm run --silent format:check
step "tests (unit + end-to-end)"
# Nest 12 is ESM-only: Jest loads it through require(esm), which needs the VM modules API.
node --experimental-vm-modules node_modules/jest/bin/jest.js --ci --maxWorkers=2 "$@"
echo "tests: done in $(( $(date +%s) - started )) s"
