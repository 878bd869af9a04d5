#!/usr/bin/env bash
# Rewrites the generated config-key tables of docs/reference.md from the registries
# (jobs/*/..._keys.cpp), through the test that otherwise checks them. Needs a built ci tree.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/ci}
cmake --build "$BUILD" --target jobs_tests >/dev/null
SNDS_UPDATE_REFERENCE=1 "$BUILD/bin/jobs_tests" --gtest_filter='ConfigKeys.DocsReference*'
echo "docs/reference.md: key tables rewritten"
