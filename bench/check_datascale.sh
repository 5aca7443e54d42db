#!/bin/bash
# check datascale --load=s (10,000 puts of 512 B keys + 512 B values, 50 clients): etcdctl 3.4 and tsetcd,
# each against a fresh 1-member etcd 3.4 and tsetcd (ports 23800-23801, data under /tmp/check-datascale-*), one line per run.
# Usage: bash bench/check_datascale.sh   (the numbers in bench/CHECK_PERF.md came from it)
cd /work/main
start() { # kind port
  local d=/tmp/check-datascale-$1; rm -rf $d; mkdir -p $d
  local c=http://127.0.0.1:$2 p=http://127.0.0.1:$(( $2 + 1 ))
  local flags="--name default --data-dir $d/data --listen-client-urls $c --advertise-client-urls $c --listen-peer-urls $p --initial-advertise-peer-urls $p --initial-cluster default=$p"
  if [ $1 = etcd ]; then etcd $flags > $d/log 2>&1 & else node_modules/.bin/bun mod.ts server $flags > $d/log 2>&1 & fi
  echo $! > $d/pid
  for i in $(seq 1 60); do curl -s -m 1 $c/health | grep -q true && return; sleep 0.5; done
}
for server in etcd tsetcd; do
  for client in etcdctl tsetcd; do
    start $server 23800
    if [ $client = etcdctl ]; then cmd="etcdctl"; else cmd="node_modules/.bin/bun mod.ts"; fi
    s=$(date +%s.%N)
    out=$($cmd --endpoints=127.0.0.1:23800 check datascale --load=s 2>&1 | tr '\r' '\n' | grep -E "PASS|FAIL|Error")
    e=$(date +%s.%N)
    echo "$client@$server: $out ($(echo "$e - $s" | bc) s, load $(cut -d' ' -f1 /proc/loadavg))"
    kill $(cat /tmp/check-datascale-$server/pid); sleep 2; rm -rf /tmp/check-datascale-$server
  done
done
