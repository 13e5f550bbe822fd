#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image: it
# installs Go if the image lacks the version go.mod asks for, compiles the
# grader and warms the build cache by grading the kit's own code, so that
# a submission's grading compiles only the student's packages. AUTOGRADER_ROOT overrides /autograder (for a local
# run of the bundle).
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
src="$root/source"
. "$src/.gradescope.env"

want=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$src/go.mod")
have_go() {
	command -v go >/dev/null || return 1
	# The go command runs any module whose go line is not newer than it.
	local v
	v=$(go env GOVERSION | sed 's/^go//')
	[ "$(printf '%s\n%s\n' "$want" "$v" | sort -V | head -1)" = "$want" ]
}
if ! have_go; then
	echo "setup: installing Go $want"
	mkdir -p "$root/go-dist"
	curl -fsSL "https://go.dev/dl/go$want.linux-amd64.tar.gz" | tar -C "$root/go-dist" -xz
	export PATH="$root/go-dist/go/bin:$PATH"
	echo "export PATH=\"$root/go-dist/go/bin:\$PATH\"" >>"$src/.gradescope.env"
fi
go version

cd "$src"
# Every module a package or test of the kit needs (go mod download would
# also fetch modules of dependencies' own tests, which nothing builds).
go list -deps -test ./... >/dev/null
mkdir -p "$root/bin"
go build -trimpath -o "$root/bin/" ./test/grade ./test/gradescope
# Warm the cache: grade the kit's own code once (one seed).
"$root/bin/gradescope" run -root "$root" -warm
echo "setup: done"
