#!/usr/bin/python3
"""W3 "per-test world", peer: pyroute2 (Debian's python3-pyroute2).

K times: client - router - server (3 namespaces, 2 veth pairs, IPv4,
forwarding on the router, default routes), a socat echo server on the
server, a wait until it listens (sock_diag through pyroute2's DiagSocket),
one request from the client, then the namespaces deleted.  The same world
as world_ip.sh and world_nsl.lua.  Prints world_ms per world.
Run inside spec/sandbox: /usr/bin/python3 bench/w3/world_pyroute2.py [K]
"""
import socket
import subprocess
import sys
import time

from pyroute2 import NetNS, netns
from pyroute2.netlink.diag import DiagSocket, SS_ALL

TCP_LISTEN = 10


def in_ns(name):
    netns.setns(name)


def world(k):
    p = "w3p%d" % k
    names = [p + n for n in "crs"]
    for n in names:
        netns.create(n)
    c, r, s = (NetNS(n) for n in names)
    try:
        for ipr in (c, r, s):
            ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")
        c.link("add", ifname="eth0", kind="veth", peer={"ifname": "eth0", "net_ns_fd": names[1]})
        r.link("add", ifname="eth1", kind="veth", peer={"ifname": "eth0", "net_ns_fd": names[2]})
        for ipr, dev, addr in ((c, "eth0", "10.1.0.2"), (r, "eth0", "10.1.0.1"),
                               (r, "eth1", "10.2.0.1"), (s, "eth0", "10.2.0.2")):
            idx = ipr.link_lookup(ifname=dev)[0]
            ipr.addr("add", index=idx, address=addr, prefixlen=24)
            ipr.link("set", index=idx, state="up")
        netns.pushns(names[1])
        try:
            with open("/proc/sys/net/ipv4/ip_forward", "w") as f:
                f.write("1")
        finally:
            netns.popns()
        c.route("add", dst="0.0.0.0/0", gateway="10.1.0.1")
        s.route("add", dst="0.0.0.0/0", gateway="10.2.0.1")
        srv = subprocess.Popen(["socat", "TCP-LISTEN:7,reuseaddr,fork", "SYSTEM:cat"],
                               preexec_fn=lambda: in_ns(names[2]))
        netns.pushns(names[2])
        try:
            with DiagSocket() as ds:
                ds.bind()
                while not any(m["idiag_sport"] == 7 and m["idiag_state"] == TCP_LISTEN
                              for m in ds.get_sock_stats(family=socket.AF_INET, states=SS_ALL)):
                    time.sleep(0.001)
        finally:
            netns.popns()
        out = subprocess.run(["socat", "-T2", "-", "TCP:10.2.0.2:7"], input=b"hi\n",
                             capture_output=True, preexec_fn=lambda: in_ns(names[0])).stdout
        if out != b"hi\n":
            sys.exit("world %d: no echo: %r" % (k, out))
        srv.terminate()
        srv.wait()
    finally:
        for ipr in (c, r, s):
            ipr.close()
        for n in names:
            netns.remove(n)


def main():
    k_max = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for k in range(1, k_max + 1):
        t0 = time.monotonic()
        world(k)
        print("world_ms %.2f" % ((time.monotonic() - t0) * 1e3), flush=True)


if __name__ == "__main__":
    main()
