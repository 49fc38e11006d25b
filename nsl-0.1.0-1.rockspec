-- luarocks make (Debian's luarocks) builds nsl as a rock: the C core as
-- the module nsl_core (built against libmnl, libnftables, jansson and libpcap;
-- src/lib/core.lua makes it nsl.core), the Lua library of lua/ as files.
-- Then require "nsl" works from lua5.4 and from busted as it does with
-- nsl.so (README, "Stock Lua and busted").  Keep the lists whole:
-- spec/stock_spec.lua checks that every C file and every lua/ file is here.
rockspec_format = "3.0"
package = "nsl"
version = "0.1.0-1"
source = {
  url = "git+file:///nsl",
}
description = {
  summary = "Linux namespace setups from Lua scripts",
  detailed = [[
    Network namespaces, veth pairs, bridges, addresses, routes and processes
    in namespaces, by netlink, setns and unshare, from Lua 5.4.]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
external_dependencies = {
  MNL = { header = "libmnl/libmnl.h", library = "mnl" },
  NFTABLES = { header = "nftables/libnftables.h", library = "nftables" },
  JANSSON = { header = "jansson.h", library = "jansson" },
  PCAP = { header = "pcap/pcap.h", library = "pcap" },
}
build = {
  type = "builtin",
  modules = {
    nsl_core = {
      sources = {
        "src/base/clock.c",
        "src/base/core.c",
        "src/base/error.c",
        "src/base/fs.c",
        "src/base/json.c",
        "src/base/nodefs.c",
        "src/base/opts.c",
        "src/base/record.c",
        "src/base/signal.c",
        "src/base/sys.c",
        "src/base/users.c",
        "src/net/addr.c",
        "src/net/bridge.c",
        "src/net/fdb.c",
        "src/net/ifindex.c",
        "src/net/kfeature.c",
        "src/net/link.c",
        "src/net/linkinfo.c",
        "src/net/linkkind.c",
        "src/net/linkpeer.c",
        "src/net/linkwait.c",
        "src/net/qdisc.c",
        "src/net/neigh.c",
        "src/net/netns.c",
        "src/net/nft.c",
        "src/net/nl.c",
        "src/net/nlargs.c",
        "src/net/nlreq.c",
        "src/net/nlstate.c",
        "src/net/route.c",
        "src/net/routeinfo.c",
        "src/net/rule.c",
        "src/net/sock.c",
        "src/net/sockdiag.c",
        "src/net/sysctl.c",
        "src/net/tcpreq.c",
        "src/proc/bg.c",
        "src/proc/capture.c",
        "src/proc/exec.c",
        "src/proc/execopt.c",
        "src/proc/launch.c",
        "src/proc/proc.c",
        "src/proc/procio.c",
        "src/proc/proxy.c",
        "src/base/embed.c",
        "src/lib/noembed.c",
      },
      defines = { "_GNU_SOURCE" },
      incdirs = { "src/base", "$(MNL_INCDIR)", "$(NFTABLES_INCDIR)", "$(JANSSON_INCDIR)", "$(PCAP_INCDIR)" },
      libdirs = { "$(MNL_LIBDIR)", "$(NFTABLES_LIBDIR)", "$(JANSSON_LIBDIR)", "$(PCAP_LIBDIR)" },
      libraries = { "mnl", "nftables", "jansson", "pcap" },
    },
    ["nsl.core"] = "src/lib/core.lua",
    ["nsl"] = "lua/nsl.lua",
    ["nsl.check"] = "lua/nsl/check.lua",
    ["nsl.cli"] = "lua/nsl/cli.lua",
    ["nsl.cni.store_etcd"] = "lua/nsl/cni/store_etcd.lua",
    ["nsl.ip"] = "lua/nsl/ip.lua",
    ["nsl.json"] = "lua/nsl/json.lua",
    ["nsl.keeper"] = "lua/nsl/keeper.lua",
    ["nsl.lab"] = "lua/nsl/lab.lua",
    ["nsl.live"] = "lua/nsl/live.lua",
    ["nsl.netns"] = "lua/nsl/netns.lua",
    ["nsl.pretty"] = "lua/nsl/pretty.lua",
    ["nsl.record"] = "lua/nsl/record.lua",
    ["nsl.runfile"] = "lua/nsl/runfile.lua",
    ["nsl.repl"] = "lua/nsl/repl.lua",
    ["nsl.test"] = "lua/nsl/test.lua",
    ["nsl.test.artifacts"] = "lua/nsl/test/artifacts.lua",
    ["nsl.test.assertions"] = "lua/nsl/test/assertions.lua",
    ["nsl.test.bus"] = "lua/nsl/test/bus.lua",
    ["nsl.topo"] = "lua/nsl/topo.lua",
    ["nsl.topo.addrs"] = "lua/nsl/topo/addrs.lua",
    ["nsl.topo.desc"] = "lua/nsl/topo/desc.lua",
    ["nsl.topo.engine"] = "lua/nsl/topo/engine.lua",
    ["nsl.topo.keys"] = "lua/nsl/topo/keys.lua",
    ["nsl.topo.kinds"] = "lua/nsl/topo/kinds.lua",
    ["nsl.topo.nat"] = "lua/nsl/topo/nat.lua",
    ["nsl.topo.nodefs"] = "lua/nsl/topo/nodefs.lua",
    ["nsl.topo.faults"] = "lua/nsl/topo/faults.lua",
    ["nsl.topo.plan"] = "lua/nsl/topo/plan.lua",
    ["nsl.topo.ready"] = "lua/nsl/topo/ready.lua",
    ["nsl.topo.rules"] = "lua/nsl/topo/rules.lua",
    ["nsl.topo.static"] = "lua/nsl/topo/static.lua",
    ["nsl.topo.services"] = "lua/nsl/topo/services.lua",
    ["nsl.topo.state"] = "lua/nsl/topo/state.lua",
    ["nsl.topo.svc"] = "lua/nsl/topo/svc.lua",
    ["nsl.topo.teardown"] = "lua/nsl/topo/teardown.lua",
    ["nsl.topo.uts"] = "lua/nsl/topo/uts.lua",
    ["nsl.topo.vlans"] = "lua/nsl/topo/vlans.lua",
    ["nsl.topo.view"] = "lua/nsl/topo/view.lua",
  },
  copy_directories = { "doc" },
}
test = {
  type = "busted",
  flags = { "--lua=lua5.4", "spec/stock" },
}
