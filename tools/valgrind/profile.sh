#!/bin/sh
# profile.sh: runs a memory scenario with console-kit-daemon under massif (heap over time) and
# then under callgrind (instructions), and prints the peak heap, the allocation sites at the peak
# and the top cost centres. Budgets do not hold under valgrind: the scenario's own verdict is
# ignored, only the profiles count.
#   tools/valgrind/profile.sh [BUILD_DIR] [SCENARIO]
# BUILD_DIR defaults to ./build, SCENARIO to "sessions" (idle, sessions, queries, vts, waitactive:
# a tests/memory/<scenario>_scenario.cpp). The sessions scenario runs 2 cycles of 1000 sessions
# here (10 in the test suite). Outputs go to BUILD_DIR/profile/.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
scenario=${2:-sessions}
out="$build/profile"
exe="$build/tests/memory/memory-$scenario"

command -v valgrind >/dev/null || { echo "profile.sh: valgrind is not installed" >&2; exit 1; }
mkdir -p "$out"
ninja -C "$build" src/console-kit-daemon "tests/memory/memory-$scenario" >/dev/null

# Smaller counts than the suite: callgrind is ~50x slower than the daemon itself.
sed -e 's/^session_cycles *=.*/session_cycles = 2/' -e 's/^queries *=.*/queries = 2000/' \
    "$top/tests/data/memory/budgets.conf" > "$out/budgets.conf"

run_scenario() {
    # $1: the wrapper (valgrind and its options); the scenario's exit status is reported, not fatal.
    status=0
    env CK_TEST_BUS_CONF="$build/dbus/test-bus.conf" CK_DAEMON="$build/src/console-kit-daemon" \
        CK_SOURCE_ROOT="$top" CK_BUILD_ROOT="$build" CK_MEMORY_OUT="$out" \
        CK_MEMORY_BUDGETS="$out/budgets.conf" G_SLICE=always-malloc CK_DAEMON_WRAPPER="$1" \
        "$exe" > "$out/scenario-$2.log" 2>&1 || status=$?
    echo "profile.sh: scenario '$scenario' under $2 finished with status $status (log: $out/scenario-$2.log)"
}

echo "== massif: heap of console-kit-daemon during '$scenario'"
rm -f "$out/massif.out"
# somalloc=NONE: the daemon defines malloc itself (src/heap); massif must replace that one.
run_scenario "valgrind --tool=massif --soname-synonyms=somalloc=NONE --depth=40 --threshold=0.5 --massif-out-file=$out/massif.out" massif
[ -s "$out/massif.out" ] || { echo "profile.sh: massif wrote no profile" >&2; exit 1; }
ms_print "$out/massif.out" > "$out/massif.txt"
# The peak is the snapshot whose heap tree is marked "peak".
peak=$(awk -F= '/^snapshot=/ { snap = $2 } /^heap_tree=peak/ { print snap }' "$out/massif.out")
awk -F= -v peak="$peak" '
    /^snapshot=/ { snap = $2 }
    /^mem_heap_B=/ { heap = $2 }
    /^mem_heap_extra_B=/ { extra = $2 }
    /^mem_stacks_B=/ && snap == peak {
        printf "peak heap: %.1f KiB useful + %.1f KiB malloc overhead (snapshot %s)\n", heap / 1024, extra / 1024, snap }
' "$out/massif.out"
echo "-- largest allocation sites at the peak, each with its first frame in our code (full tree: $out/massif.txt):"
# ms_print prints each detailed snapshot as a table row " <n> <time> ..." followed by its tree;
# top-level branches start with "->", their callers are indented below them.
awk -v peak="$peak" '
    function flush() { if (head != "") printf "%s  %s\n", head, (ours != "" ? ours : "(no frame of ours)"); head = ""; ours = "" }
    $1 == peak && $2 ~ /^[0-9,]+$/ { found = 1; next }
    !found { next }
    found && /^ *[0-9]+ +[0-9,]+ +[0-9,]+/ { exit }
    /^->/ { flush(); if (++n > 15) exit; split($0, f, " "); head = f[1] " " f[2]; next }
    head != "" && ours == "" && /ck::/ { sub(/^[| ]*->[0-9.]+% \([0-9,]+B\) 0x[0-9A-F]+: /, ""); ours = $0 }
    END { flush() }
' "$out/massif.txt" | cut -c1-200

echo
echo "== callgrind: where console-kit-daemon spends its instructions during '$scenario'"
rm -f "$out/callgrind.out"
run_scenario "valgrind --tool=callgrind --callgrind-out-file=$out/callgrind.out" callgrind
[ -s "$out/callgrind.out" ] || { echo "profile.sh: callgrind wrote no profile" >&2; exit 1; }
callgrind_annotate --inclusive=no "$out/callgrind.out" > "$out/callgrind-self.txt" 2>/dev/null
callgrind_annotate --inclusive=yes "$out/callgrind.out" > "$out/callgrind-inclusive.txt" 2>/dev/null
echo "-- top 20 cost centres, self (callgrind_annotate, $out/callgrind-self.txt):"
awk '/^-+$/ { sep++ } sep >= 3 && /[0-9]/ && !/PROGRAM TOTALS/ { print; if (++n >= 20) exit }' \
    "$out/callgrind-self.txt" | cut -c1-200
echo "-- top 20, inclusive ($out/callgrind-inclusive.txt):"
awk '/^-+$/ { sep++ } sep >= 3 && /[0-9]/ && !/PROGRAM TOTALS/ { print; if (++n >= 20) exit }' \
    "$out/callgrind-inclusive.txt" | cut -c1-200
grep -m1 "PROGRAM TOTALS" "$out/callgrind-self.txt" || true
