#!/bin/bash
# cli.sh: the sync of the course's setup as real processes (make
# bench-surf-cli): four BlockStores and a MetaStore (the server command)
# on loopback ports 19100-19104, and the client command syncing a fresh
# copy of DATADIR once. It prints the time and MB/s. With two build
# directories it runs each twice, alternating, for a side-by-side ratio:
#
#   surfstore/cmd/benchsurf/cli.sh DATADIR BINDIR [BASEBINDIR]
#
# A BINDIR holds the server and client commands:
#   go build -o BINDIR/ ./surfstore/cmd/server ./surfstore/cmd/client
set -euo pipefail
data=$1
dirs=("${@:2}")
run() {
	local bin=$1 w pids=() start end rc=0
	w=$(mktemp -d)
	trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$w"' RETURN
	cp -r "$data" "$w/base"
	for p in 19101 19102 19103 19104; do
		"$bin/server" -s block -l -p "$p" >/dev/null 2>&1 &
		pids+=($!)
	done
	"$bin/server" -s meta -l -p 19100 localhost:19101 localhost:19102 localhost:19103 localhost:19104 >/dev/null 2>&1 &
	pids+=($!)
	sleep 1
	echo '{"RaftAddrs": ["localhost:19100"], "BlockAddrs": ["localhost:19101", "localhost:19102", "localhost:19103", "localhost:19104"]}' >"$w/config.json"
	start=$(date +%s.%N)
	"$bin/client" -f "$w/config.json" "$w/base" 4096 || rc=$?
	end=$(date +%s.%N)
	local mb
	mb=$(du -sm --apparent-size "$data" | cut -f1)
	echo "$bin: exit $rc, $(echo "$end - $start" | bc) s, $(echo "scale=1; $mb / ($end - $start)" | bc) MB/s ($mb MB)"
}
for round in 1 2; do
	for bin in "${dirs[@]}"; do
		run "$bin"
	done
done
