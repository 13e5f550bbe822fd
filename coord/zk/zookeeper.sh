#!/usr/bin/env bash
# Installs Debian's zookeeperd if it is missing and starts a standalone
# ZooKeeper server on 127.0.0.1:2181 (the package's configuration), for
# the real-ZooKeeper conformance test of coord/zk. Idempotent: a server
# that already answers is left alone. No systemd needed: it runs
# zkServer.sh directly, which also works in a container.
set -euo pipefail

zkserver=/usr/share/zookeeper/bin/zkServer.sh
conf=/etc/zookeeper/conf
port=2181

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# up reports whether a server answers the four-letter word "srvr", the
# one ZooKeeper 3.8 allows by default.
up() {
	{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
	printf 'srvr' >&3
	local reply
	reply=$(timeout 2 cat <&3 || true)
	exec 3<&- 3>&-
	[[ $reply == *Mode:* ]]
}

if up; then
	echo "zookeeper: already up on 127.0.0.1:$port"
	exit 0
fi

if [ ! -x "$zkserver" ]; then
	echo "zookeeper: installing zookeeperd"
	if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends zookeeperd >/dev/null; then
		$sudo apt-get update -qq
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends zookeeperd >/dev/null
	fi
fi

echo "zookeeper: starting on 127.0.0.1:$port"
# zkServer.sh start daemonises; ZOOCFGDIR picks the package's config, and
# the log goes to the package's log directory.
$sudo env ZOOCFGDIR="$conf" ZOO_LOG_DIR=/var/log/zookeeper "$zkserver" start >/dev/null 2>&1
for _ in $(seq 1 60); do
	if up; then
		echo "zookeeper: up on 127.0.0.1:$port"
		exit 0
	fi
	sleep 0.5
done
echo "zookeeper: no answer on 127.0.0.1:$port after 30 s; see /var/log/zookeeper" >&2
exit 1
