#!/bin/sh
# Ports a CS 138 PuddleStore (2021-2022 handout: package pkg with
# CreateCluster, NewClient and the Client interface, on the course's
# go-zookeeper client, importing its Tapestry as "tapestry/pkg") into a
# copy of this repository, so that our puddlestore suite grades it. Its
# Tapestry is its own, ported by test/port/tapestry/port.sh into tapestry/;
# its files replace puddlestore/'s with import changes and the ZooKeeper
# calls mapped to coord.Conn, plus the kit adapter.
#
#   test/port/puddlestore/port.sh COURSE_DIR OUT_TREE
#   make grade LAB=puddlestore SUBMISSION=OUT_TREE
#
# COURSE_DIR is the course repository's root: pkg/ (the file system) and
# tapestry/pkg/ (its Tapestry). OUT_TREE is created from this checkout
# (its tracked and untracked files, as they are now).
set -eu
src=$1
out=$2
root=$(git rev-parse --show-toplevel)
[ -d "$src/pkg" ] && [ -d "$src/tapestry/pkg" ] || {
	echo "port.sh: $src has no pkg/ and tapestry/pkg/" >&2
	exit 1
}
"$root/test/port/tapestry/port.sh" "$src/tapestry/pkg" "$out" >/dev/null
cp "$root/test/port/puddlestore/testdata/tapestry_kit.go" "$out/tapestry/kit_puddlestore.go"
cd "$out/puddlestore"
# Our non-test files go; our tests stay.
for f in *.go; do
	case $f in *_test.go) ;; *) rm "$f" ;; esac
done
for f in "$src"/pkg/*.go; do
	case $f in
	*_test.go) continue ;;
	# The web front end's gRPC service (for the course's web client, not
	# part of the handout's API) stays out.
	*.pb.go | */server.go) continue ;;
	esac
	# Imports: its Tapestry, and stand-ins for three libraries this module
	# does not require. ZooKeeper: the Conn type, its flags and errors are
	# coord's (the same method set minus ACLs, so the ACL argument goes),
	# and zk.Connect is the kit's zkConnect (same arguments and results),
	# which opens a session with the harness's coordination service.
	sed -E \
		-e 's/^package [a-z]+$/package puddlestore/' \
		-e 's#"tapestry/pkg"#"distlabs/tapestry"#' \
		-e 's#"github.com/google/uuid"#"distlabs/test/port/uuid"#' \
		-e 's#"github.com/tmthrgd/go-memset"#"distlabs/test/port/memset"#' \
		-e 's#"github.com/hashicorp/go-msgpack/codec"#"distlabs/test/port/msgpack"#' \
		-e 's#"github.com/go-zookeeper/zk"#"distlabs/coord"#' \
		-e 's#\*zk\.Conn([^[:alnum:]_]|$)#coord.Conn\1#g' \
		-e 's#, zk\.WorldACL\(zk\.PermAll\)##g' \
		-e 's#zk\.FlagSequence#coord.Sequential#g' \
		-e 's#zk\.FlagEphemeral#coord.Ephemeral#g' \
		-e 's#zk\.ErrNoNode#coord.ErrNoNode#g' \
		-e 's#zk\.Connect\(#zkConnect(#g' \
		"$f" >"$(basename "$f")"
done
# Anything of go-zookeeper's left is a call this script does not map.
if grep -nE '(^|[^.[:alnum:]_])zk\.' ./*.go | grep -v '_test.go'; then
	echo "port.sh: go-zookeeper names left unmapped (above)" >&2
	exit 1
fi
cp "$root/test/port/puddlestore/testdata/adapter.go" kit.go
echo "ported $src into $out (puddlestore/ and tapestry/); run: go test ./puddlestore (in $out), or make grade LAB=puddlestore SUBMISSION=$out"
