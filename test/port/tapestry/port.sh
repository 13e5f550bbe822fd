#!/bin/sh
# Ports CS 138 Tapestry code (2021-2022 handouts, package pkg with the
# generated tapestry_rpc*.pb.go) into a copy of this repository, so that
# our suite grades it: the course's non-test Go files replace tapestry/'s,
# with import changes only (and the package clause), plus the kit adapter;
# the wire code generated from tapestry.proto is ours.
#
#   test/port/tapestry/port.sh COURSE_PKG_DIR OUT_TREE
#   make grade LAB=tapestry SUBMISSION=OUT_TREE
#
# COURSE_PKG_DIR is the directory of the course's id.go, node_*.go, ...
# (pkg/ in the handouts). OUT_TREE is created from this checkout (its
# tracked and untracked files, as they are now).
set -eu
src=$1
out=$2
root=$(git rev-parse --show-toplevel)
[ -e "$out" ] && { echo "port.sh: $out exists" >&2; exit 1; }
mkdir -p "$out"
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf -) | tar -x -C "$out"
cd "$out/tapestry"
# Our non-test files go, except the generated wire code, which the rubric
# protects and which is the course's own service (tapestry.proto keeps the
# course's RPC and message names and field numbers): the course's copy of
# it (tapestry_rpc*.pb.go, from an older generator) is left out. Our tests
# stay.
for f in *.go; do
	case $f in *_test.go | tapestry.pb.go | tapestry_grpc.pb.go) ;; *) rm "$f" ;; esac
done
for f in "$src"/*.go; do
	case $f in *_test.go | *.pb.go) continue ;; esac
	# The import changes: gRPC and net over labrpc's virtual network, the
	# standard context for x/net's alias of it.
	sed -E \
		-e 's/^package [a-z]+$/package tapestry/' \
		-e 's#"golang.org/x/net/context"#"context"#' \
		-e 's#^([[:space:]]*)"google.golang.org/grpc"$#\1grpc "distlabs/test/port/grpc"#' \
		-e 's#^([[:space:]]*)"net"$#\1net "distlabs/test/port/net"#' \
		"$f" >"$(basename "$f")"
done
cp "$root/test/port/tapestry/testdata/adapter.go" kit.go
echo "ported $src into $out/tapestry; run: go test ./tapestry (in $out), or make grade LAB=tapestry SUBMISSION=$out"
