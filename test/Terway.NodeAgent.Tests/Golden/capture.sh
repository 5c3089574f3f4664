#!/usr/bin/env bash
# Captures what iproute2 sends to the kernel for the requests the datapaths build, as strace
# hex dumps (one .strace file per case). The kernel may refuse a request (no 8021q, no
# ipvlan on our machines): the bytes are dumped before the reply, so that does not matter.
#   usage: capture.sh OUTDIR
# Needs root, iproute2 (ip, tc) and strace. The golden files in this directory were made with it.
set -euo pipefail
out=${1:?usage: capture.sh OUTDIR}
mkdir -p "$out"
ns=golden$$
peer=goldenp$$
ip netns add "$ns"
ip netns add "$peer"
trap 'ip netns del "$ns" 2>/dev/null; ip netns del "$peer" 2>/dev/null' EXIT
ip -n "$ns" link add name gx type veth peer name gy
ip -n "$ns" link set gx up
ip -n "$ns" link set gy up
ip -n "$ns" addr add 10.0.0.1/24 dev gx

run() { # case command...
  local name=$1; shift
  ip netns exec "$ns" strace -f -qq -e trace=sendmsg,sendto -e write=all -xx "$@" 2> "$out/$name.strace" >/dev/null || true
}

run vlan           ip link add link gx name gx.5 type vlan id 5
run ipvlan-l2      ip link add link gx name ipvl0 type ipvlan mode l2
run ipvlan-l3      ip link add link gx name ipvl0 type ipvlan mode l3
run macvlan-bridge ip link add link gx name mv0 type macvlan mode bridge
run veth-peer-netns ip link add cali0 type veth peer name eth0 netns "$peer"
run clsact         tc qdisc add dev gx clsact
run u32-mirred     tc filter add dev gx egress prio 40000 protocol ip u32 match ip dst 10.96.0.0/12 action mirred ingress redirect dev gy
run rule-from      ip rule add from 10.0.0.5/32 lookup 1003 prio 2048
run route-onlink   ip route add default via 10.0.0.253 dev gx onlink table 1003
run neigh-permanent ip neigh replace 169.254.1.1 lladdr ee:ff:ff:ff:ff:ff dev gx nud permanent
run address        ip addr add 10.0.0.5/32 dev gx
