#!/usr/bin/env bash
# Installs what elfloader's demo, tests and benchmarks need on a fresh
# Debian 12 machine: C toolchains for the test programs (gcc, musl-tools),
# Debian binaries the tests run (busybox-static, python3, nginx-light,
# docker-registry, redis-server), chromium for the
# HTML coverage report's screenshot test, and Go modules.
# It only calls apt-get when something is missing.
set -euo pipefail

need=()
command -v gcc >/dev/null || need+=(gcc libc6-dev)
# the mount tests run the native program in a private mount namespace
command -v unshare >/dev/null || need+=(util-linux)
# the loop device test makes an ext2 image with mke2fs -d
[ -x /usr/sbin/mke2fs ] || need+=(e2fsprogs)
command -v musl-gcc >/dev/null || need+=(musl-tools)
[ -x /bin/busybox ] || need+=(busybox-static)
[ -x /usr/bin/python3 ] || need+=(python3) # the tests run /usr/bin/python3
command -v make >/dev/null || need+=(make)
# the process tests users run (tests/integration/userprocs_test.go): perl,
# git, tar with gzip, diff; node's child_process (skipped without node)
[ -x /usr/bin/perl ] || need+=(perl)
[ -x /usr/bin/git ] || need+=(git)
[ -x /bin/tar ] || need+=(tar)
[ -x /bin/gzip ] || need+=(gzip)
[ -x /usr/bin/diff ] || need+=(diffutils)
[ -x /usr/bin/node ] || need+=(nodejs)
# the network tests serve files with Debian's nginx-light and python3's
# http.server; curl is handy to poke them by hand; wrk drives bench/nginx
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
command -v wrk >/dev/null || need+=(wrk)
# the PostgreSQL test runs Debian's server, initdb, psql and pgbench (never
# the package's own cluster or service)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
# the --net=sandbox tests read its --pcap files with tcpdump -r
command -v tcpdump >/dev/null || need+=(tcpdump)
# the registry test pushes an image to Debian's distribution registry
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
# the servers test runs redis-server (BGSAVE forks) and nginx with workers
[ -x /usr/bin/redis-server ] || need+=(redis-server)
# the OCI runtime tests drive elfloader through containerd's runc shim
command -v containerd >/dev/null || need+=(containerd)
command -v runc >/dev/null || need+=(runc) # the native runtime the OCI tests compare with
# redis-benchmark drives bench's redis-get and redis-set (redis-tools,
# which redis-server depends on)
command -v redis-benchmark >/dev/null || need+=(redis-tools)
# GNU time measures bench's peak resident memory (rss-hello, rss-python)
[ -x /usr/bin/time ] || need+=(time)
# headless screenshot of the HTML coverage report (tests skip without it)
command -v chromium >/dev/null || need+=(chromium)
# CPython's own test suite: `make conformance`, and TestAppPtyPython runs
# its test_pty and test_os in a pseudo-terminal
[ -f /usr/lib/python3.11/test/test_os.py ] || need+=(libpython3.11-testsuite)
if [ "${ELFLOADER_BENCH_DEPS:-0}" = 1 ]; then
	command -v hyperfine >/dev/null || need+=(hyperfine)
fi

if [ ${#need[@]} -gt 0 ]; then
	echo "deps: installing ${need[*]}"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v go >/dev/null; then
	echo "deps: Go 1.26 or later is required (https://go.dev/dl/); /usr/local/go/bin must be on PATH" >&2
	exit 1
fi
go mod download
