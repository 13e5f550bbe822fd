#!/bin/sh
# port.sh COURSE_DIR OUT: makes OUT, a complete tree of the kit (HEAD of
# the checkout this script is in) whose chord/ is CS 138 Chord code of the
# Go era (net/rpc) behind the adapter, ready for
#   make grade LAB=chord SUBMISSION=OUT
# COURSE_DIR holds the course's package chord (chord.go, node_rpc_api.go,
# ...). The course's files change in their imports only: "net/rpc"
# becomes the rpc shim, the course's cs138 (or utils) listener package
# becomes the cs138 shim. Its own tests and its command (cli.go, package
# main) are left out. See chord/README.md, "Porting CS 138 code".
set -eu
if [ $# -ne 2 ]; then
	echo "usage: $0 COURSE_DIR OUT" >&2
	exit 2
fi
src=$1
out=$2
kit=$(cd "$(dirname "$0")/../../.." && pwd)
if [ -e "$out" ]; then
	echo "port.sh: $out exists" >&2
	exit 1
fi
mkdir -p "$out"
git -C "$kit" archive HEAD | tar -x -C "$out"
# The reference leaves; our tests stay.
find "$out/chord" -maxdepth 1 -name '*.go' ! -name '*_test.go' -delete
mkdir "$out/chord/course"
n=0
for f in "$src"/*.go; do
	case $f in *_test.go) continue ;; esac
	grep -q '^package main' "$f" && continue
	# Imports only: net/rpc, and the course's listener package wherever
	# the student kept it (github.com/<team>/cs138, or a relative
	# "../utils" imported as package utils).
	sed -e 's#^\(\s*\)"net/rpc"#\1"distlabs/test/port/rpc"#' \
		-e 's#^\(\s*\)"[^"]*/cs138"#\1"distlabs/test/port/cs138"#' \
		-e 's#^\(\s*\)"\.\./utils"#\1utils "distlabs/test/port/cs138"#' \
		"$f" >"$out/chord/course/$(basename "$f")"
	n=$((n + 1))
done
if [ "$n" -eq 0 ]; then
	echo "port.sh: no Go files in $src" >&2
	exit 1
fi
cp "$kit/test/port/chord/testdata/adapter.go" "$out/chord/adapter.go"
echo "port.sh: $n course files in $out/chord/course, adapter in $out/chord/adapter.go"
