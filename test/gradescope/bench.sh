#!/usr/bin/env bash
# bench.sh: times a Gradescope bundle as Gradescope would run it, in a temp
# root with an empty build cache: setup.sh once, then run_autograder on
# the reference's files of LAB uploaded flat, with one file changed so
# that the student's package is compiled.
#
#   test/gradescope/bench.sh LAB [PART] [SEEDS]
set -euo pipefail
lab=$1 part=${2:-} seeds=${3:-3}
cd "$(dirname "$0")/../.."
root=$(mktemp -d)
export GOCACHE="$root/gocache" AUTOGRADER_ROOT="$root"
trap 'chmod -R u+w "$root"; rm -rf "$root"' EXIT
pkg=$(go run ./test/gradescope bundle -lab "$lab" -part "$part" -seeds "$seeds" -verify=false -out "$root/source" >/dev/null &&
	sed -n 's/.*"package": "\(.*\)".*/\1/p' "$root/source/.gradescope.json")
elapsed() { local s e; s=$(date +%s.%N); "$@" >"$root/log" 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
t=$(elapsed bash "$root/source/setup.sh")
echo "setup.sh ($lab, empty build cache): $t s"
cp "$root/source/run_autograder" "$root/"
mkdir -p "$root/submission"
for f in "$pkg"/*.go; do
	case $f in *_test.go) ;; *) cp "$f" "$root/submission/" ;; esac
done
echo "// changed" >>"$(ls "$root"/submission/*.go | head -1)"
t=$(elapsed bash "$root/run_autograder")
echo "run_autograder ($lab${part:+ $part}, $seeds seeds per test, one file changed): $t s, $(grep -o 'Score: [0-9/.]*' "$root/log")"
