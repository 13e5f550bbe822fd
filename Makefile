# distlabs — course-lab kit. `make grade` grades, `make test` tests.
#
#   make grade   [LAB=raft] [PART=2B] [SEEDS=3] [SUBMISSION=dir | SUBMISSIONS=dir-or-glob [CSV=file]] [HIDDEN=dir]
#                [JOBS=N] [RESULTS=file] [TIMEOUT=60s] [MEMLIMIT=2GiB] [CPULIMIT=120s] [KEEP=1]
#                [ISOLATION=auto|require|none] [SCRATCH=1GiB] [RUBRIC=full|api]
#   make test    gofmt + go vet + go test (-race on RACE_PKGS) + handout check + actionlint
#   make handout OUT=dir [UPTO=2B]
#   make gradescope LAB=raft [PART=2B] [SEEDS=3] [HIDDEN=dir] OUT=dir  (a Gradescope autograder)
#   make stress  PKG=raft RUN=2B N=500 [JOBS=2] [START=1] [TIMEOUT=10m] [RACE=1]
#   make port    SRC=dir [DST=dir]   a 6.824 (2015 or 2022) student tree, ported for make grade SUBMISSION=
#   make lint    staticcheck $(STATICCHECK_VERSION), fetched by the go command
#   make lint-handout  staticcheck inside a fresh handout (no unused reference helpers)
#   make zookeeper     install (apt) and start Debian's zookeeperd on 127.0.0.1:2181
#   make test-zookeeper  make zookeeper, then the tests against it: coord/zk's conformance,
#                        PuddleStore's cluster and its puddlestore command (each under a fresh chroot)
#
# Make variables reach the Go commands as environment variables (see the
# package docs of test/grade, test/handout, test/stress, test/check).

GO ?= go

# staticcheck release that builds and runs with the go version in go.mod
# (2026.2.2; checked with go 1.26).
STATICCHECK_VERSION ?= v0.8.2

# Packages whose tests run under the race detector in `make test`. Left
# empty, a rule chooses them (test/check, racePatterns): labrpc, the harness
# and every lab of test/rubric.yaml with the packages under its directory,
# so a new lab is race-tested once it is in the rubric, less the packages of
# RACE_SKIP (default: tapestry, for the reason test/check gives).
RACE_PKGS ?=

export LAB PART SEEDS SUBMISSION SUBMISSIONS CSV HIDDEN JOBS RESULTS TIMEOUT MEMLIMIT CPULIMIT KEEP ISOLATION SCRATCH RUBRIC OUT UPTO PKG RUN N START RACE RACE_PKGS RACE_SKIP

.PHONY: all test grade handout gradescope stress port lint lint-handout bench-http bench-sort bench-mr

all: test

# -v: on a cold build cache the go command names each package of the
# grader as it compiles it, instead of a minute of silence; the grader then
# counts the packages the labs' tests need as they compile (README, "Grader").
grade:
	$(GO) run -v ./test/grade

test:
	$(GO) run ./test/check

handout:
	$(GO) run ./test/handout -out "$(OUT)"

# A Gradescope autograder for one lab: make gradescope LAB=raft [PART=2B]
# [SEEDS=3] [HIDDEN=dir] OUT=dir (writes dir and dir.zip; README, "Running
# on Gradescope").
gradescope:
	$(GO) run ./test/gradescope bundle

# A 6.824 student tree (2015 or 2022) rewritten into this kit's layout and
# API, a partial upload for make grade SUBMISSION=DST (test/port/doc.go).
port:
	$(GO) run ./test/port -src "$(SRC)" $(if $(DST),-dst "$(DST)")

stress:
	$(GO) run ./test/stress

lint:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# The handout must be staticcheck clean too: a reference helper left outside
# the solution regions shows up as unused (U1000) there.
lint-handout:
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	$(GO) run ./test/handout -out "$$dir/h" -verify=false && \
	cd "$$dir/h" && $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

bench-http:
	$(GO) run ./tritonhttp/cmd/benchhttp

bench-sort:
	$(GO) run ./distsort/cmd/benchsort

bench-mr:
	$(GO) run ./mapreduce/cmd/benchmr

# The generated gRPC code (surfstore, tapestry): `make proto` regenerates it with pinned
# generators the go command builds from the Go proxy (surfstore/proto.sh);
# `make proto-check` regenerates into a temp dir and fails on any difference
# from the committed files (CI runs it after make test).
.PHONY: proto proto-check

proto:
	GO=$(GO) surfstore/proto.sh
	GO=$(GO) PROTO=tapestry/tapestry.proto surfstore/proto.sh

proto-check:
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	GO=$(GO) surfstore/proto.sh "$$dir" && \
	GO=$(GO) PROTO=tapestry/tapestry.proto surfstore/proto.sh "$$dir" && \
	for f in surfstore/surfstore.pb.go surfstore/surfstore_grpc.pb.go tapestry/tapestry.pb.go tapestry/tapestry_grpc.pb.go; do \
		diff -u "$$f" "$$dir/$$(basename $$f)" || { echo "proto-check: $$f is stale; run make proto" >&2; exit 1; }; \
	done && echo "proto-check: generated code matches surfstore/surfstore.proto and tapestry/tapestry.proto"

# coord/zk: a real ZooKeeper server for the adapter's conformance test and
# PuddleStore's tests on it (about 8 s to install, 2 s to start; see
# coord/zk/zookeeper.sh). Every test whose name says ZooKeeper, in these
# packages, needs the server and is skipped without DISTLABS_ZK.
.PHONY: zookeeper test-zookeeper
zookeeper:
	coord/zk/zookeeper.sh

test-zookeeper: zookeeper
	DISTLABS_ZK=127.0.0.1:2181 $(GO) test -count=1 -run 'ZooKeeper' ./coord/zk ./puddlestore/cmd/puddlestore

# surfstore: sync a 200 MB directory of mixed files to 4 BlockStores over
# loopback, then again after changing 1% of the blocks (bytes sent vs changed).
.PHONY: bench-surf
bench-surf:
	$(GO) run ./surfstore/cmd/benchsurf -mb 200 -stores 4
