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
#                                           test/rubric.yaml, and the lab
#                                           package's _test.go files, from
#                                           that commit (the "before"
#                                           measurement)
#   PATCHES="a.patch b.patch"               only these patches
#   ALLSEEDS=1                              run every seed even after a kill,
#                                           to see which tests kill a mutant
#                                           on some seeds only
#   DISTLABS_WATCHDOG=30s                   a shorter stall limit: a mutant
#                                           that deadlocks costs this per test
#
# A lab without a rubric block (labrpc: infrastructure, not graded) is
# measured with every test of the package of the same name.
#
# As the grader does, the test binary is built once per mutant and each
# test runs in its own process (a panic in one test does not hide the
# others), with DISTLABS_LEAKS=warn; a mutant whose tests fail only the
# strict leak check is listed as LEAKONLY, not killed.
#
# Output: one line per mutant (KILLED with the failing tests per seed, or
# SURVIVED), then "LAB: killed K of N". Nothing in the repository changes; the scratch
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

# copy makes a fresh scratch tree; with REV, package $1 gets its test files
# of that commit.
copy() {
	rm -rf "$work/src"
	mkdir -p "$work/src"
	(cd "$root" && tar --exclude=.git -cf - .) | tar -xf - -C "$work/src"
	if [ -n "$rev" ]; then
		dir=${1#./}
		rm -f "$work/src/$dir"/*_test.go
		for f in $(git -C "$root" ls-tree --name-only "$rev" "$dir/" | grep '_test\.go$'); do
			git -C "$root" show "$rev:$f" >"$work/src/$f"
		done
	fi
}

labs=${*:-$(cd "$here" && ls -d */ | tr -d /)}
for lab in $labs; do
	info=$(rubric "$lab")
	pkg=$(echo "$info" | head -n 1)
	names=$(echo "$info" | tail -n +2 | paste -sd '|' -)
	if [ -z "$pkg" ]; then
		pkg=./$lab
	fi
	killed=0
	leaks=0
	total=0
	for p in ${PATCHES:-"$here/$lab"/*.patch}; do
		case $p in /*) ;; *) p="$here/$lab/$p" ;; esac
		total=$((total + 1))
		copy "$pkg"
		if ! patch -s -p1 -d "$work/src" <"$p" >"$work/patch.log" 2>&1; then
			echo "$lab $(basename "$p"): patch does not apply" >&2
			cat "$work/patch.log" >&2
			exit 2
		fi
		failed=""
		leaked=""
		if ! (cd "$work/src" && go test -c -o "$work/test.bin" "$pkg") >"$work/out.log" 2>&1; then
			failed="build: $(grep -m 1 -v '^#' "$work/out.log")"
		fi
		list=$names
		if [ -z "$failed" ] && [ -z "$list" ]; then
			list=$("$work/test.bin" -test.list . | grep -E '^(Test|Fuzz)' | paste -sd '|' -)
		fi
		for s in $seeds; do
			[ -n "$failed" ] && [ -z "${ALLSEEDS:-}" ] && break
			case $failed in build:*) break ;; esac
			sf=""
			for name in $(echo "$list" | tr '|' ' '); do
				# One process per test, as the grader runs them; the
				# package's directory is the working directory, as
				# under go test. A leak panic that cut a failing test
				# short (Fatal in its stack) is a real failure.
				(cd "$work/src/${pkg#./}" && DISTLABS_LEAKS=warn timeout 300 "$work/test.bin" \
					-test.run "^$name\$" -test.count=1 -seed "$s") >"$work/out.log" 2>&1 && continue
				if grep -q 'labtest: leaked goroutines' "$work/out.log" &&
					! grep -qE '_test\.go:[0-9]+:|watchdog|panic: [^l]|\(\*common\)\.(Fatal|FailNow|Error)' "$work/out.log"; then
					leaked="$leaked $name"
				else
					sf="$sf $name"
				fi
			done
			if [ -n "$sf" ]; then
				failed="${failed:+$failed; }seed $s:$sf"
			fi
		done
		if [ -z "$failed" ] && [ -n "$leaked" ]; then
			leaks=$((leaks + 1))
			echo "LEAKONLY $lab $(basename "$p" .patch):$leaked"
		elif [ -n "$failed" ]; then
			killed=$((killed + 1))
			echo "KILLED   $lab $(basename "$p" .patch): $failed"
		else
			echo "SURVIVED $lab $(basename "$p" .patch)"
		fi
	done
	echo "$lab: killed $killed of $total (plus $leaks failing only the strict leak check)"
done
