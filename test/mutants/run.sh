#!/bin/sh
# Measures the power of the graded suites: applies each mutant (one classic
# student bug, as a patch against the reference) to a scratch copy of the
# tree and runs the rubric's tests of that lab on it. A mutant is killed
# when at least one graded test fails under some seed.
#
# Usage (from the repository root):
#   test/mutants/run.sh [LAB...]           labs: directories under test/mutants
#   SEEDS="1 2 3" test/mutants/run.sh raft  seeds to try (default "1 2")
#   REV=<commit> test/mutants/run.sh        take the graded test names from
#                                           test/rubric.yaml at that commit
#                                           (the "before" measurement)
#   PATCHES="a.patch b.patch"               only these patches
#
# Output: one line per mutant (KILLED with the failing tests, or SURVIVED),
# then "LAB: killed K of N". Nothing in the repository changes; the scratch
# copy lives under ${TMPDIR:-/tmp}/distlabs-mutants (a fixed path, so the go
# build cache serves the unchanged packages).
set -eu

root=$(git rev-parse --show-toplevel)
here="$root/test/mutants"
work="${TMPDIR:-/tmp}/distlabs-mutants"
seeds=${SEEDS:-"1 2"}
rev=${REV:-}

# rubric prints the package and then the graded test names of lab $1.
rubric() {
	if [ -n "$rev" ]; then
		git -C "$root" show "$rev:test/rubric.yaml"
	else
		cat "$root/test/rubric.yaml"
	fi | awk -v lab="$1" '
		/^  - lab:/ { on = ($3 == lab) }
		on && /^    package:/ { print $2 }
		on && /name:/ { sub(/.*name: */, ""); sub(/,.*/, ""); print }'
}

copy() {
	rm -rf "$work/src"
	mkdir -p "$work/src"
	(cd "$root" && tar --exclude=.git -cf - .) | tar -xf - -C "$work/src"
}

labs=${*:-$(cd "$here" && ls -d */ | tr -d /)}
for lab in $labs; do
	info=$(rubric "$lab")
	pkg=$(echo "$info" | head -n 1)
	names=$(echo "$info" | tail -n +2 | paste -sd '|' -)
	if [ -z "$pkg" ] || [ -z "$names" ]; then
		echo "$lab: no rubric block" >&2
		exit 2
	fi
	killed=0
	total=0
	for p in ${PATCHES:-"$here/$lab"/*.patch}; do
		case $p in /*) ;; *) p="$here/$lab/$p" ;; esac
		total=$((total + 1))
		copy
		if ! patch -s -p1 -d "$work/src" <"$p" >"$work/patch.log" 2>&1; then
			echo "$lab $(basename "$p"): patch does not apply" >&2
			cat "$work/patch.log" >&2
			exit 2
		fi
		failed=""
		for s in $seeds; do
			(cd "$work/src" && timeout 900 go test "$pkg" -count=1 -run "^($names)\$" -seed "$s") \
				>"$work/out.log" 2>&1 || true
			f=$(grep -E '^(--- FAIL|FAIL|panic:)' "$work/out.log" | grep -v '^FAIL[[:space:]]*distlabs' |
				sed -E 's/^--- FAIL: ([^ ]+).*/\1/' | sort -u | paste -sd ' ' -)
			if [ -z "$f" ] && ! grep -q '^ok' "$work/out.log"; then
				f="(build or run failure: $(tail -n 1 "$work/out.log"))"
			fi
			if [ -n "$f" ]; then
				failed="seed $s: $f"
				break
			fi
		done
		if [ -n "$failed" ]; then
			killed=$((killed + 1))
			echo "KILLED   $lab $(basename "$p" .patch): $failed"
		else
			echo "SURVIVED $lab $(basename "$p" .patch)"
		fi
	done
	echo "$lab: killed $killed of $total"
done
