#!/bin/sh
# Copies dist/ to node_modules/.bench-dist (ignored by git; @veltix/* still resolve from there) and prints the
# BENCH_DIST value to use, so that a long benchmark does not see a rebuild of dist/ happening meanwhile.
set -e
cd "$(dirname "$0")/.."
rm -rf node_modules/.bench-dist
cp -r dist node_modules/.bench-dist
echo "$(pwd)/node_modules/.bench-dist/index.js"
