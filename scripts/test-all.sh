#!/usr/bin/env bash
# The one test command (README, `npm test`, .ci/run): system packages if missing, type check,
# unit + GPU tests (Vitest, Dawn for Node on lavapipe), end-to-end tests (Playwright, headless
# Chromium on SwiftShader), then one summary line "tests: N passed, N failed, N skipped".
# With CI=true, GPU and browser tests fail instead of skipping when no adapter/browser exists.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/reports

bash scripts/setup-system.sh || { echo "system setup failed"; exit 1; }
echo "== type check"
npx tsc --noEmit -p tsconfig.json || { echo "tests: 0 passed, 1 failed (type check)"; exit 1; }

echo "== unit + GPU tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/reports/vitest.json
vitest_rc=$?

echo "== end-to-end tests (playwright, chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME=.cache/reports/playwright.json npx playwright test --reporter=list,json
pw_rc=$?

node scripts/test-summary.mjs .cache/reports/vitest.json .cache/reports/playwright.json
sum_rc=$?
if [ $vitest_rc -ne 0 ] || [ $pw_rc -ne 0 ] || [ $sum_rc -ne 0 ]; then exit 1; fi
