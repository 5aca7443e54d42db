#!/bin/sh
# Builds etcd 3.4's load tool `benchmark` (tools/benchmark) from Debian bookworm's packages alone, in GOPATH
# mode, into bench/.bin/benchmark (git-ignored). Run as root on Debian 12; takes a few minutes.
#   sh bench/grpc_build_benchmark.sh && BENCHMARK=bench/.bin/benchmark bun bench/grpc.ts
set -eu
out="$(cd "$(dirname "$0")" && pwd)/.bin"
work="$(mktemp -d)"
if ! grep -rqs "^Types: deb-src" /etc/apt/sources.list.d/ && ! grep -qs "^deb-src" /etc/apt/sources.list; then
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    > /etc/apt/sources.list.d/debian-src.sources
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go golang-etcd-server-dev dpkg-dev
(cd "$work" && apt-get source -qq etcd)
mkdir -p "$work/go/src/go.etcd.io/etcd/tools" "$out"
cp -r "$work"/etcd-*/tools/benchmark "$work/go/src/go.etcd.io/etcd/tools/"
GO111MODULE=off GOPATH="/usr/share/gocode:$work/go" go build -o "$out/benchmark" go.etcd.io/etcd/tools/benchmark
rm -rf "$work"
echo "built $out/benchmark"
