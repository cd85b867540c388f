#!/usr/bin/env bash
# Every test of the project, in one run (the README's test command after setup):
#   1. the firmware core's native unit tests under ASan/UBSan (boards/host)
#   2. a -Werror build of every cross board
#   3. the TypeScript type check
#   4. vitest: host unit/property tests, protocol vectors, QEMU end-to-end, exports, browser
# Ends with one line "N passed, N failed" and a non-zero exit when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts

passed=0
failed=0
failures=()

step() { # step <name> <command...>: one pass/fail per step
  local name=$1; shift
  echo "=== $name" >&2
  if "$@" > "test-artifacts/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name" >&2
  else
    failed=$((failed + 1)); failures+=("$name"); echo "FAIL $name (see test-artifacts/$name.log)" >&2
    tail -n 30 "test-artifacts/$name.log" >&2
  fi
}

# 1. C unit tests: each binary prints "<name>: N cases, M checks, K failed"; a binary's
#    cases count as passed when it has no failed check, else as one failure.
echo "=== firmware unit tests (boards/host, ASan/UBSan)" >&2
make -s BOARD=host test > test-artifacts/c-unit.log 2>&1
c_rc=$?
read -r c_pass c_fail < <(awk '
  /: [0-9]+ cases, [0-9]+ checks, [0-9]+ failed/ {
    for (i = 1; i <= NF; i++) { if ($i == "cases,") n = $(i-1); if ($i == "failed") f = $(i-1) }
    if (f == 0) p += n; else q += 1
  }
  END { print p + 0, q + 0 }' test-artifacts/c-unit.log)
if [ "$c_rc" -ne 0 ] && [ "$c_fail" -eq 0 ]; then c_fail=1; fi
passed=$((passed + c_pass)); failed=$((failed + c_fail))
[ "$c_fail" -gt 0 ] && { failures+=("c-unit"); tail -n 40 test-artifacts/c-unit.log >&2; }
echo "     C unit: $c_pass passed, $c_fail failed" >&2

# 1b. Coverage-guided fuzzing (libFuzzer) of the firmware's command parser and framing,
#     bounded in time; the log holds the execution counts.
step fuzz make -s BOARD=host fuzz FUZZ_SECONDS=20
grep -h 'executions' test-artifacts/fuzz.log >&2 || true

# 2. Every cross board builds with -Wall -Wextra -Werror, in both profiles (PORTING.md 1.5: the
#    tiny profile builds every app that needs no overwrite mode or dump, into build/<board>-tiny;
#    it is one channel, so a multi-core board (board.json "cores" > 1) builds the full one only,
#    and make says so in one line: test/porting/profiles.test.ts checks that).
for b in $(make -s boards); do
  [ "$b" = host ] && continue
  step "build-$b" make -s BOARD="$b"
  if grep -q '"cores": *1[,}[:space:]]' "boards/$b/board.json"; then
    step "build-$b-tiny" make -s BOARD="$b" PROFILE=tiny
  fi
done

# 3. Host build and type check.
step host-build npm run --silent build
step typecheck npx tsc --noEmit -p .

# 4. vitest, with a JSON report for the counts (the scale-out test needs Debian's Dask first).
step test-deps bash test/data/deps.sh
echo "=== vitest" >&2
npx vitest run --reporter=default --reporter=json --outputFile=test-artifacts/vitest.json >&2
v_rc=$?
read -r v_pass v_fail < <(node -e '
  try {
    const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
    console.log(r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTestSuites || 0) + (r.numFailedTestSuites && !r.numFailedTests ? r.numFailedTestSuites : 0));
  } catch { console.log(0, 1); }')
if [ "$v_rc" -ne 0 ] && [ "$v_fail" -eq 0 ]; then v_fail=1; fi
passed=$((passed + v_pass)); failed=$((failed + v_fail))
[ "$v_fail" -gt 0 ] && failures+=("vitest")

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}" >&2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
