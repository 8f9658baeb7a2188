#!/usr/bin/env bash
# Fuzzes the parsers of user files and exchange frames (Sources/NovaFuzz) with libFuzzer:
# builds novapulse-fuzz with -sanitize=fuzzer,address in its own build folder, then runs it
# for SECONDS on a copy of the corpus (Tests/Fixtures/fuzz-corpus). A crash leaves its input
# as fuzz-crashes/crash-*: replay it with `swift run novapulse-fuzz FILE`, fix the parser, and
# keep the input in the corpus as a regression (FuzzCorpusTests replays it in every test run).
#
#   scripts/fuzz.sh [SECONDS] [JOBS]      (default 60 s, 1 job; FUZZ_SEED=N fixes the inputs)
#
# CI runs `FUZZ_SEED=1 scripts/fuzz.sh 45`: with a fixed seed a slower machine runs a prefix of
# the same inputs, so CI fails only on what this command finds here too.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}; jobs=${2:-1}
export PATH="/opt/swift/usr/bin:$PATH"
start=$(date +%s)
swift build --scratch-path .build-fuzz --product novapulse-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DNOVAPULSE_FUZZ > .build-fuzz.log 2>&1 \
  || { tail -30 .build-fuzz.log; exit 1; }
echo "fuzz build: $(( $(date +%s) - start )) s"
corpus=$(mktemp -d); mkdir -p fuzz-crashes
cp Tests/Fixtures/fuzz-corpus/* "$corpus"/
# -rss_limit_mb: a parser that balloons on a small input is a finding too.
# More than one job forks workers that write fuzz-N.log; one job prints here.
parallel=(); [ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
.build-fuzz/debug/novapulse-fuzz "$corpus" -max_total_time="$seconds" "${parallel[@]}" \
  ${FUZZ_SEED:+-seed=$FUZZ_SEED} -max_len=4096 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=fuzz-crashes/ -print_final_stats=1 2>&1 | tail -25
rm -rf "$corpus"
