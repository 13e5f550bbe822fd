#!/usr/bin/env bash
# Regenerates surfstore.pb.go and surfstore_grpc.pb.go from surfstore.proto
# into OUTDIR (default: this directory), or another lab's code from the
# .proto named by PROTO (default: the directory of it), with pinned
# generators built by the
# go command from the Go module proxy: buf compiles the .proto itself (no
# system protoc), protoc-gen-go and protoc-gen-go-grpc write the Go code.
# Why buf and not the protoc of PyPI's grpcio-tools: see surfstore/README.md.
#
#   surfstore/proto.sh [OUTDIR]
#   PROTO=tapestry/tapestry.proto surfstore/proto.sh [OUTDIR]
set -euo pipefail
BUF_VERSION=${BUF_VERSION:-v1.75.0}
PROTOC_GEN_GO_VERSION=${PROTOC_GEN_GO_VERSION:-v1.36.12}
PROTOC_GEN_GO_GRPC_VERSION=${PROTOC_GEN_GO_GRPC_VERSION:-v1.6.2}
GO=${GO:-go}

proto=$(cd "$(dirname "${PROTO:-$0}")" && pwd)/$(basename "${PROTO:-surfstore.proto}")
out=${1:-$(dirname "$proto")}
mkdir -p "$out"
out=$(cd "$out" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Each generator is its own module, so one go install per tool.
for pkg in "github.com/bufbuild/buf/cmd/buf@$BUF_VERSION" \
	"google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION" \
	"google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"; do
	GOBIN="$tmp/bin" GOFLAGS=-mod=mod "$GO" install "$pkg"
done

# A workspace of its own, so buf sees only the .proto (and its
# built-in copy of google/protobuf/empty.proto).
mkdir -p "$tmp/src"
cp "$proto" "$tmp/src/"
cat >"$tmp/src/buf.yaml" <<'YAML'
version: v2
YAML
cat >"$tmp/buf.gen.yaml" <<YAML
version: v2
plugins:
  - local: $tmp/bin/protoc-gen-go
    out: $out
    opt: paths=source_relative
  - local: $tmp/bin/protoc-gen-go-grpc
    out: $out
    opt: paths=source_relative
YAML
cd "$tmp/src"
PATH="$tmp/bin:$PATH" "$tmp/bin/buf" generate --template "$tmp/buf.gen.yaml" .
