---@meta nsl
-- LuaCATS definitions of nsl's globals, for lua-language-server: point
-- its "workspace.library" at this directory (doc/reference.md, "Editors and
-- linters").  Every primitive is a global in scripts and a field of
-- `nsl`; spec/types_spec.lua checks that each one is declared here.

------------------------------------------------------------------------
-- Errors

---A failure of a primitive: `tostring(err)` is "<primitive>: <object>: <reason>";
---string methods act on that text (`err:match("exists")`).
---@class nsl.Error
---@field message string   "<primitive>: <object>: <reason>"
---@field primitive string
---@field object string
---@field reason string
---@field errno integer?   the kernel's errno, when there is one
---@field code string?     its name: "EEXIST", "ENOENT"...

------------------------------------------------------------------------
-- Option tables

---@class nsl.NsOpts
---@field ns? string   the named network namespace to act in (default: nsl's own)

---@class nsl.LinkAddOpts: nsl.NsOpts
---@field mtu? integer
---@field address? string   a MAC address, "02:00:00:00:00:01"
---@field up? boolean
---@field master? string    a bridge to join
---@field group? integer     the link group, 0..4294967295

---@class nsl.VethOpts: nsl.LinkAddOpts
---@field peer_ns? string   make the peer directly inside this namespace

---@class nsl.VxlanOpts: nsl.LinkAddOpts
---@field remote? string
---@field local? string
---@field dev? string
---@field port? integer     default 4789
---@field group? string|integer   a string: a multicast group (instead of remote; with dev); a number: the link group
---@field link_ns? string   make it directly inside this namespace, dev and local staying in ns
---@field ttl? integer
---@field tos? integer
---@field learning? boolean

---@class nsl.VlanOpts: nsl.LinkAddOpts
---@field protocol? "802.1Q"|"802.1ad"   default 802.1Q

---@class nsl.IpvlanOpts: nsl.LinkAddOpts
---@field mode? "l2"|"l3"|"l3s"      default l3

---@class nsl.BondOpts: nsl.LinkAddOpts
---@field mode? "balance-rr"|"active-backup"|"balance-xor"|"broadcast"|"802.3ad"|"balance-tlb"|"balance-alb"
---@field miimon? integer           ms between link checks

---@class nsl.GeneveOpts: nsl.LinkAddOpts
---@field remote string     required
---@field port? integer     default 6081
---@field ttl? integer

---@class nsl.GretapOpts: nsl.LinkAddOpts
---@field remote string     required, IPv4
---@field local? string
---@field ttl? integer

---@class nsl.BridgeOpts: nsl.LinkAddOpts
---@field vlan_filtering? boolean   a VLAN-aware bridge (CONFIG_BRIDGE_VLAN_FILTERING)
---@field stp? boolean              the kernel's spanning tree

---@class nsl.BridgePortFlags
---@field isolated? boolean   talks only to ports that are not isolated
---@field learning? boolean   learns source MACs into the fdb (default true)
---@field flood? boolean      floods unknown unicast to it (default true)

---@class nsl.BridgeVlanOpts: nsl.NsOpts
---@field pvid? boolean       untagged frames arriving there get this VLAN
---@field untagged? boolean   frames of this VLAN leave there untagged
---@field self? boolean       the VLAN of the bridge device itself

---@class nsl.BridgeVlan
---@field dev string
---@field vid integer
---@field pvid boolean
---@field untagged boolean

---@class nsl.FdbOpts: nsl.NsOpts
---@field dev string           the port
---@field vlan? integer        1..4094
---@field master? boolean      the bridge's table (default, unless self)
---@field self? boolean        the link's own table (a vxlan's...)
---@field permanent? boolean   (fdb_add) the bridge's own address: delivered to it, not forwarded
---@field dst? string          (with self) a vxlan's remote for this MAC

---@class nsl.Fdb
---@field mac string
---@field dev string
---@field vlan integer?
---@field master string?
---@field state "static"|"permanent"|"dynamic"
---@field self boolean
---@field dst string?          a vxlan entry's remote

---@class nsl.MacvlanOpts: nsl.LinkAddOpts
---@field mode? "bridge"|"private"|"vepa"|"passthru"|"source"
---@field link_ns? string   make it directly inside this namespace, the parent staying in ns

---@class nsl.ImpairOpts: nsl.NsOpts
---@field delay? string       "50ms", "1s", "200us"
---@field jitter? string      as delay; needs a delay; "10ms 25%": with the delay's correlation
---@field loss? string       "1%", "0.5%"; "1% 25%": with a correlation (also duplicate, corrupt, reorder)
---@field duplicate? string
---@field corrupt? string
---@field reorder? string    needs a delay
---@field rate? string        "10mbit", "1gbit", "500kbit", "1mbps" (bytes)
---@field limit? integer      queue length in packets (default 1000)

---@class nsl.Impair
---@field qdisc "netem"|"tbf"
---@field delay? string
---@field jitter? string
---@field loss? string
---@field duplicate? string
---@field corrupt? string
---@field reorder? string
---@field rate? string
---@field limit? integer

---@class nsl.LinkSetOpts: nsl.NsOpts
---@field up? boolean
---@field group? integer          the link group, 0..4294967295
---@field mtu? integer
---@field address? string
---@field name? string            rename
---@field master? string|false    a bridge; false detaches
---@field alias? string
---@field addrgenmode? "eui64"|"none"|"stable_secret"|"random"   IPv6 link-local generation, set before up
---@field vlan_filtering? boolean   (a bridge)
---@field stp? boolean              (a bridge)
---@field bridge? nsl.BridgePortFlags   (a bridge port) its flags
---@field carrier? boolean   the link's carrier, for kinds with carrier control (dummy)

---@class nsl.LinkWaitOpts: nsl.NsOpts
---@field oper? "up"|"down"|"lowerlayerdown"|"dormant"|"testing"|"notpresent"|"unknown"   default "up"
---@field timeout? number   seconds, default 10

---@class nsl.AddrOpts: nsl.NsOpts
---@field nodad? boolean   skip IPv6 duplicate address detection
---@field metric? integer  the metric of the prefix route it makes (0..4294967295)
---@field family? "inet"|"inet6"   must match the address
---@field peer? string   the other end of a point-to-point address, with the prefix length

---@class nsl.AddrSetOpts: nsl.NsOpts
---@field metric? integer   the metric of its prefix route
---@field family? "inet"|"inet6"

---@class nsl.AddrDelOpts: nsl.NsOpts
---@field family? "inet"|"inet6"

---@class nsl.AddrListOpts: nsl.NsOpts
---@field dev? string   keep to one link
---@field family? "inet"|"inet6"   keep to one family

---A next hop of a multipath route.
---@class nsl.Nexthop
---@field via? string
---@field dev? string
---@field weight? integer   1..256

---@class nsl.RouteOpts: nsl.NsOpts
---@field via? string
---@field dev? string
---@field metric? integer
---@field table? integer|"main"|"local"|"default"
---@field src? string
---@field family? "inet"|"inet6"
---@field onlink? boolean   the gateway is on the link even if no subnet says so
---@field type? "unicast"|"unreachable"|"blackhole"|"prohibit"
---@field nexthops? nsl.Nexthop[]   a multipath route (up to 32), instead of via/dev
---@field protocol? string|integer   a name of iproute2's rt_protos ("static", "zebra", "bird", ...) or 0..255
---@field mtu? integer   68..65535 (route_add)
---@field replace? boolean   (route_add) change it in place, or add it
---@field append? boolean    (route_add)
---@field prepend? boolean   (route_add)

---@class nsl.RouteGetOpts: nsl.NsOpts
---@field from? string   the source address
---@field iif? string
---@field dev? string    the output link
---@field mark? integer
---@field fibmatch? boolean   the table entry that matched, not the route taken

---@class nsl.RouteListOpts: nsl.NsOpts
---@field table? integer|"main"|"local"|"default"|"all"
---@field family? "inet"|"inet6"
---@field protocol? string|integer
---@field dev? string

---@class nsl.NeighOpts: nsl.NsOpts
---@field dev string   the link (required)
---@field lladdr? string   "02:00:00:00:00:01"
---@field state? "permanent"|"reachable"|"stale"|"noarp"   default "permanent"
---@field router? boolean   an IPv6 router's entry (NTF_ROUTER)
---@field proxy? boolean   a proxy ARP/NDP entry (no lladdr or state)

---@class nsl.NeighDelOpts: nsl.NsOpts
---@field dev string
---@field proxy? boolean

---@class nsl.NeighListOpts: nsl.NsOpts
---@field dev? string   keep to one link
---@field family? "inet"|"inet6"
---@field proxy? boolean   the proxy entries instead

---@class nsl.RuleOpts: nsl.NsOpts
---@field from? string   a CIDR of either family
---@field to? string
---@field table? integer|"main"|"local"|"default"
---@field priority? integer   0..4294967295 (default: as the kernel picks)
---@field iif? string
---@field oif? string
---@field fwmark? integer|string   n, or "n/mask"
---@field family? "inet"|"inet6"   default: from/to's, else inet
---@field action? "table"|"blackhole"|"unreachable"|"prohibit"
---@field suppress_prefixlength? integer   refuse answers with a prefix this long or shorter

---@class nsl.RuleListOpts: nsl.NsOpts
---@field family? "inet"|"inet6"

---@alias nsl.NsKind "net"|"mount"|"mnt"|"pid"|"ipc"|"uts"|"user"|"cgroup"|"time"

---@class nsl.Mount
---@field type "tmpfs"|"bind"|"proc"|string
---@field target string
---@field source? string
---@field options? string
---@field readonly? boolean

---@class nsl.ExecOpts
---@field capture? boolean          result gets stdout and stderr
---@field stdin? string|boolean     a string to feed, false: /dev/null, true: a pipe (background)
---@field env? table<string, string|false>
---@field cwd? string
---@field timeout? number           seconds (foreground)
---@field background? boolean       return a process handle at once
---@field mount? boolean            ns_exec: false skips the mount work
---@field unshare? nsl.NsKind|nsl.NsKind[]
---@field mount_proc? boolean
---@field hostname? string
---@field mounts? nsl.Mount[]
---@field time_offsets? { monotonic?: number, boottime?: number }
---@field ns? nsl.NsKind|nsl.NsKind[]   pid_exec, spawn with enter: the kinds to join
---@field netns? string             spawn: join this named network namespace first
---@field enter? integer            spawn: join the namespaces of this pid
---@field grace? number             seconds between SIGTERM and SIGKILL (default 2)
---@field fds? table<integer, file*|nsl.Socket>   placed at those descriptors (3..1023) in the child
---@field uts? string               a path where a UTS namespace is bound: the command joins it
---@field mnt? string               a path where a mount namespace is bound (a node's files): the command joins it
---@field user? string|integer      run as this user (name or uid), with its groups
---@field group? string|integer     run with this group (name or gid)
---@field log? string               stdout and stderr appended to this file (opened by the launcher)

---@alias nsl.Cmd string[]|string

------------------------------------------------------------------------
-- Records returned

---@class nsl.LinkInfo
---@field name string
---@field index integer
---@field kind string?
---@field up boolean              administrative state
---@field state string            operational: "up", "down", "unknown"...
---@field mtu integer
---@field address string?
---@field master string?
---@field alias string?
---@field group integer           the link group (0: the default)
---@field peer string?            a veth's peer
---@field peer_ns string?         the peer's namespace ("" for the start one)
---@field parent string?          a vlan's or macvlan's parent
---@field vlan {id: integer, protocol: string}?
---@field vxlan {vni: integer, remote: string?, group: string?, local: string?, port: integer, ttl: integer, tos: integer, learning: boolean}?
---@field macvlan {mode: string}?
---@field ipvlan {mode: string}?
---@field bond {mode: string, miimon: integer}?
---@field vrf {table: integer}?
---@field geneve {vni: integer, remote: string, port: integer, ttl: integer?}?
---@field gretap {remote: string, local: string?, ttl: integer?}?
---@field bridge {vlan_filtering: boolean, stp: boolean}?   a bridge's
---@field bridge_port {isolated: boolean, learning: boolean, flood: boolean}?   a bridge port's flags
---@field impair nsl.Impair?       (link_get only) its root netem or tbf

---@class nsl.Addr
---@field dev string
---@field index integer
---@field family "inet"|"inet6"
---@field address string
---@field prefixlen integer
---@field cidr string
---@field scope string
---@field tentative boolean?   IPv6 DAD still running
---@field dadfailed boolean?
---@field nodad boolean?

---@class nsl.Route
---@field dst string
---@field via string?
---@field dev string?
---@field metric integer?
---@field table integer|string
---@field src string?
---@field protocol string|integer?   iproute2's word, or the number
---@field mtu integer?
---@field dead boolean?
---@field linkdown boolean?
---@field scope string?
---@field type string?
---@field family "inet"|"inet6"
---@field onlink boolean?
---@field nexthops { via: string?, dev: string?, weight: integer?, dead: boolean?, linkdown: boolean?, onlink: boolean? }[]?

---A neighbour entry as neigh_list reports it.
---@class nsl.Neigh
---@field dst string   the IPv4 or IPv6 address
---@field lladdr string?   the MAC (absent while unresolved, and for proxy entries)
---@field dev string?
---@field state string?   one word: "permanent", "noarp", "reachable", "stale", "delay", "probe", "incomplete", "failed" or "none"
---@field router boolean
---@field proxy boolean?   true in neigh_list{ proxy = true }
---@field family "inet"|"inet6"

---A policy routing rule as rule_list reports it (rule_del takes it as is).
---@class nsl.Rule
---@field priority integer
---@field family "inet"|"inet6"
---@field from string?   a CIDR
---@field to string?
---@field table integer?   when action is "table"
---@field iif string?
---@field oif string?
---@field fwmark integer|string?   a number, or "0x10/0xff" with a mask
---@field action "table"|"blackhole"|"unreachable"|"prohibit"|"goto"|"nop"?

---A socket as sock_list reports it.
---@class nsl.SockInfo
---@field proto "tcp"|"udp"
---@field family "inet"|"inet6"
---@field state string        "listen", "established"...; an unconnected UDP socket is "unconn"
---@field local string
---@field port integer
---@field remote string?
---@field rport integer?
---@field uid integer
---@field inode integer

---@class nsl.SockListOpts: nsl.NsOpts
---@field proto? "tcp"|"udp"   default both
---@field state? "listen"      TCP listeners and bound unconnected UDP sockets only
---@field port? integer        a local port

---@class nsl.NftOpts: nsl.NsOpts
---@field check? boolean   only check the commands, in a throwaway namespace (not with ns)
---@field handles? boolean listings show each object's handle ("# handle 4"), as nft -a

---@class nsl.Result
---@field ok boolean          exited 0 and did not time out
---@field code integer?       the exit status; nil when a signal ended it
---@field signal string?      "KILL", "TERM"...
---@field timed_out boolean?
---@field stdout string?      with capture = true
---@field stderr string?
---@field pid integer

---A background process (`background = true`).
---@class nsl.Process
---@field pid integer
local Process = {}
---@param timeout? number
---@return nsl.Result?
function Process:wait(timeout) end
---@param signal? string|integer
---@return boolean
function Process:kill(signal) end
---@return boolean
function Process:running() end
---@return string stdout, string stderr
function Process:output() end
---@param data string
function Process:write(data) end
function Process:close_stdin() end
function Process:close() end

------------------------------------------------------------------------
-- General

---Sleeps; Ctrl-C and SIGTERM interrupt it.
---@param seconds number
function sleep(seconds) end

---Seconds on the monotonic clock.
---@return number
function now() end

------------------------------------------------------------------------
-- Namespaces, links, addresses, routes

---@param name string
function ns_add(name) end
---@param name string
function ns_del(name) end
---@return string[]
function ns_list() end
---@param name string
---@return boolean
function ns_exists(name) end

---@param name string
---@param peer string
---@param opts? nsl.VethOpts
function veth_add(name, peer, opts) end
---@param name string
---@param opts? nsl.BridgeOpts
function bridge_add(name, opts) end
---@param port string             a bridge port, or the bridge with self
---@param vid integer|string      1..4094, or a range "10-20"
---@param opts? nsl.BridgeVlanOpts
function bridge_vlan_add(port, vid, opts) end
---@param port string
---@param vid integer|string
---@param opts? { ns?: string, self?: boolean }
function bridge_vlan_del(port, vid, opts) end
---@param opts? { ns?: string, dev?: string }
---@return nsl.BridgeVlan[]
function bridge_vlan_list(opts) end
---@param mac string   "aa:bb:cc:dd:ee:ff"
---@param opts nsl.FdbOpts
function fdb_add(mac, opts) end
---@param mac string
---@param opts nsl.FdbOpts
function fdb_del(mac, opts) end
---@param opts? { ns?: string, dev?: string }
---@return nsl.Fdb[]
function fdb_list(opts) end
---@param name string
---@param parent string
---@param id integer   1..4094
---@param opts? nsl.VlanOpts
function vlan_add(name, parent, id, opts) end
---@param name string
---@param vni integer
---@param opts? nsl.VxlanOpts
function vxlan_add(name, vni, opts) end
---@param name string
---@param parent string
---@param opts? nsl.MacvlanOpts
function macvlan_add(name, parent, opts) end
---@param name string
---@param opts? nsl.LinkAddOpts
function dummy_add(name, opts) end
---@param name string
---@param parent string
---@param opts? nsl.IpvlanOpts
function ipvlan_add(name, parent, opts) end
---@param name string
---@param opts? nsl.BondOpts
function bond_add(name, opts) end
---@param name string
---@param table integer   its routing table
---@param opts? nsl.LinkAddOpts
function vrf_add(name, table, opts) end
---@param name string
---@param vni integer
---@param opts nsl.GeneveOpts
function geneve_add(name, vni, opts) end
---@param name string
---@param opts nsl.GretapOpts
function gretap_add(name, opts) end

---@param link string
---@param opts? nsl.LinkSetOpts
function link_set(link, opts) end
---@param link string|{ns?: string, group: integer}   a name, or { group = N }: every link of that group
---@param opts? nsl.NsOpts
function link_del(link, opts) end
---@param link string
---@param target string|integer   a namespace name, or a pid
---@param opts? nsl.NsOpts
function link_set_ns(link, target, opts) end
---@param link string
---@param opts? nsl.NsOpts
---@return nsl.LinkInfo
function link_get(link, opts) end
---@param link string
---@param opts? nsl.NsOpts
---@return boolean
function link_exists(link, opts) end
---@param link string
---@param impair nsl.ImpairOpts|false   false removes it
---@param opts? nsl.NsOpts              with false: where the link is
function link_impair(link, impair, opts) end
---@param opts? nsl.NsOpts
---@return nsl.LinkInfo[]
function link_list(opts) end
---@param link string
---@param opts? nsl.LinkWaitOpts
function link_wait(link, opts) end

---@param link string
---@param cidr string
---@param opts? nsl.AddrOpts
function addr_add(link, cidr, opts) end
---@param link string
---@param cidr string
---@param opts? nsl.AddrDelOpts
function addr_del(link, cidr, opts) end
---@param opts? nsl.AddrListOpts
---@return nsl.Addr[]
function addr_list(opts) end
---@param link string
---@param cidr string
---@param opts nsl.AddrSetOpts
function addr_set(link, cidr, opts) end
---@param link string
---@param opts? nsl.AddrDelOpts
---@return integer   how many were deleted
function addr_flush(link, opts) end

---@param dst string   a CIDR or "default"
---@param opts? nsl.RouteOpts
function route_add(dst, opts) end
---@param dst string
---@param opts? nsl.RouteOpts
function route_del(dst, opts) end
---@param opts? nsl.RouteListOpts
---@return nsl.Route[]
function route_list(opts) end
---@param dst string   an address
---@param opts? nsl.RouteGetOpts
---@return nsl.Route
function route_get(dst, opts) end
---@param opts nsl.RouteListOpts   dev, table or protocol at least
---@return integer   how many were deleted
function route_flush(opts) end

---@param addr string   an IPv4 or IPv6 address
---@param opts nsl.NeighOpts
function neigh_add(addr, opts) end
---@param addr string
---@param opts nsl.NeighDelOpts
function neigh_del(addr, opts) end
---@param opts? nsl.NeighListOpts
---@return nsl.Neigh[]
function neigh_list(opts) end

---@param opts nsl.RuleOpts
function rule_add(opts) end
---@param opts nsl.RuleOpts
function rule_del(opts) end
---@param opts? nsl.RuleListOpts
---@return nsl.Rule[]
function rule_list(opts) end

---Reads (no value) or writes a sysctl key inside the namespace.
---@param key string
---@param value? string|number
---@param opts? nsl.NsOpts
---@return string?
function sysctl(key, value, opts) end

---The TCP and UDP sockets of the namespace (NETLINK_SOCK_DIAG).
---@param opts? nsl.SockListOpts
---@return nsl.SockInfo[]
function sock_list(opts) end

------------------------------------------------------------------------
-- Firewalls (nftables) and sockets

---Applies nftables commands (one transaction) inside opts.ns; returns what nft printed.
---@param commands string
---@param opts? nsl.NftOpts
---@return string
function nft(commands, opts) end

---The ruleset: its text, and the same as nft -j decodes to ({ nftables = {...} }).
---@param opts? nsl.NsOpts
---@return string text, { nftables: table[] } ruleset
function nft_list(opts) end

---A socket made inside a namespace (accept, send, recv; hand it to a process with fds).
---@class nsl.Socket
local Socket = {}
---@return integer?   nil once closed
function Socket:fd() end
---@param timeout? number
---@return nsl.Socket?   nil when timeout passes first
function Socket:accept(timeout) end
---@param data string
function Socket:send(data) end
---@param max? integer
---@param timeout? number
---@return string   "" at the end of the stream
function Socket:recv(max, timeout) end
function Socket:close() end

---A TCP listener (backlog 64) or bound UDP socket made inside opts.ns.
---@param proto "tcp"|"udp"
---@param address string   "127.0.0.1:8080", "[::1]:80", port 0: any
---@param opts? nsl.NsOpts
---@return nsl.Socket
function listen(proto, address, opts) end

---A socket made inside opts.ns, connected to address from there; opts.timeout
---bounds the wait (then ETIMEDOUT).
---@param proto "tcp"|"udp"
---@param address string
---@param opts? { ns?: string, timeout?: number }
---@return nsl.Socket
function connect(proto, address, opts) end

---One TCP exchange: connects to address (in opts.ns), writes data, returns
---what the peer answered (read until it closes, or until an HTTP
---response's Content-Length is in). opts.timeout (default 10 s) bounds
---it all; opts.max (default 16 MiB) the answer's length.
---@param address string   "127.0.0.1:2379", "[::1]:80"
---@param data string
---@param opts? { ns?: string, timeout?: number, max?: integer }
---@return string
function tcp_request(address, data, opts) end

---A userland TCP (or, proto = "udp", UDP) proxy: a background process (a
---fork of nsl) listening on listen and relaying each connection, both
---ways (UDP: each client's datagrams and their replies), to target.
---@param listen string   "[::1]:8080"
---@param target string   "[fd77::2]:80", "10.0.0.2:80"
---@param opts? { max?: integer, proto?: "tcp"|"udp", idle?: integer }   max: connections or UDP clients at once (default 1024); idle: seconds a silent UDP client is kept (default 60)
---@return nsl.Process
function proxy(listen, target, opts) end

---Records the packets of link (in namespace opts.ns) to the pcap file
---opts.file ("-": stdout) from a background process (a fork of nsl on
---libpcap, no tcpdump), each written as it passes, until it is stopped
---(h:kill("TERM"), h:close()); open when it returns.
---@param link string
---@param opts { file: string, ns?: string, filter?: string, snaplen?: integer }   filter: a tcpdump expression; snaplen 1 to 262144 (default)
---@return nsl.Process
function capture(link, opts) end

---A new directory, mode 0700, of a name no one had: template's trailing
---"XXXXXX", or six characters added to a prefix, are random.
---@param template_or_prefix string   "/tmp/run-" or "/tmp/runXXXXXX"
---@return string path
function mkdtemp(template_or_prefix) end

------------------------------------------------------------------------
-- Processes

---@param name string
---@param cmd nsl.Cmd
---@param opts? nsl.ExecOpts
---@return nsl.Result|nsl.Process
function ns_exec(name, cmd, opts) end
---@param cmd nsl.Cmd
---@param opts? nsl.ExecOpts
---@return nsl.Result|nsl.Process
function spawn(cmd, opts) end
---@param pid integer
---@param cmd nsl.Cmd
---@param opts? nsl.ExecOpts
---@return nsl.Result|nsl.Process
function pid_exec(pid, cmd, opts) end

------------------------------------------------------------------------
-- Topologies

---@class nsl.NamespaceDesc
---@field sysctl? table<string, string|number>
---@field routes? table<string, string|nsl.RouteDesc>   by destination ("default" or a CIDR); a gateway named by a node gives a route in each family it is reached in

---A route of a description: via a node name or an address, dev, or nexthops.
---@class nsl.RouteDesc
---@field via? string
---@field dev? string
---@field metric? integer
---@field table? integer|string
---@field src? string
---@field type? "unicast"|"unreachable"|"blackhole"|"prohibit"
---@field mtu? integer
---@field protocol? string|integer
---@field nexthops? (string|{ via?: string, dev?: string, weight?: integer })[]
---@field rules? nsl.RuleOpts[]   policy routing rules (rule_add's options, without ns), added after the routes
---@field hostname? string
---@field files? table<string, string|{content: string, mode?: string|integer, owner?: string|integer, group?: string|integer}>   the node's own files
---@field private? table   node-private tmpfs directories: { "/run/x", ["/var/lib/y"] = { owner =, group =, mode = } }
---@field lo? boolean
---@field forwarding? boolean   a router: both families' forwarding sysctls
---@field publish? table<integer|"proto", integer|"tcp"|"udp">   { [8080] = 80, proto = "udp" }
---@field firewall? string   nft commands applied there at up
---@field links? nsl.OwnLinkDesc[]   its own links of a kind: { "v10", kind = "vlan", parent = "eth0", id = 10 }
---@field vrfs? table<string, { table: integer, links?: string[], routes?: table<string, string|table> }>

---A namespace's own link: { name, kind =, address =, mtu =, parent =, and its
---kind's options: id, protocol (vlan), vni, port, ttl, tos, learning, dev (vxlan),
---mode (macvlan, ipvlan)... }.
---@class nsl.OwnLinkDesc
---@field [1] string
---@field kind "vlan"|"macvlan"|"ipvlan"|"dummy"|"vxlan"|"geneve"|"gretap"
---@field address? string|string[]
---@field mtu? integer
---@field parent? string   a link of the namespace, as the description names it
---@field id? integer
---@field vni? integer
---@field mode? string

---@class nsl.BridgeDesc
---@field address? string|string[]   at most one of each family
---@field subnet? string|string[]
---@field ns? string
---@field mtu? integer
---@field nat? boolean   masquerade the subnet out through the root namespace
---@field vlan_filtering? boolean
---@field stp? boolean
---@field vlans? integer|table   the bridge's own VLANs (as a link's vlans)

---A veth pair: { end1, end2, name =, address =, subnet =, mtu = }.
---@class nsl.LinkDesc
---@field [1] string
---@field [2] string
---@field name? string|table<string, string>
---@field address? string|string[]|table<string, string|string[]>
---@field addresses? table<string, string[]>   several addresses per family on an end, keyed by node
---@field subnet? string|string[]
---@field mtu? integer
---@field nat? boolean   (a link to "host") masquerade its subnet out
---@field impair? nsl.ImpairOpts|table<string, nsl.ImpairOpts>
---@field kind? "vxlan"|"bond"   a link of a kind between the two nodes (nsl.topo.kinds)
---@field vni? integer   (vxlan)
---@field underlay? integer|string   (vxlan) the veth link it goes over (index or id), or a bridge
---@field over? (integer|string)[]   (bond) its ports: veth links between the same nodes
---@field mode? string   (bond)
---@field miimon? integer   (bond) default 100
---@field vlans? integer|table   its bridge port's VLANs: 10 (access: pvid, untagged) or { 10, "20-30", pvid = 5 }

---@class nsl.ReadyDesc
---@field port? integer   a TCP listener on that port
---@field udp? integer    a bound UDP socket on that port
---@field cmd? nsl.Cmd
---@field file? string   any file (a socket, a FIFO) exists, as the node sees it; never opened
---@field unix? string   a listening UNIX socket at that path
---@field [1]? fun(t: nsl.Topology, h: nsl.Process): boolean   a function, with timeout
---@field timeout? number

---@class nsl.ServiceDesc
---@field ns string
---@field cmd nsl.Cmd
---@field env? table<string, string|false>
---@field cwd? string
---@field after? string|string[]
---@field ready? nsl.ReadyDesc|integer|fun(t: nsl.Topology, h: nsl.Process): boolean
---@field stop_timeout? number
---@field publish? table<integer|"proto", integer|"tcp"|"udp">
---@field user? string|integer
---@field group? string|integer
---@field restart? "no"|"on-failure"|"always"   supervised with a backoff of 0.1 s doubling to 5 s
---@field log? string|true   stdout and stderr to this file (true: one nsl makes and removes)

---The description nsl.topology takes.
---@class nsl.TopologyDesc
---@field namespaces? string[]|table<string, nsl.NamespaceDesc>
---@field bridges? table<string, nsl.BridgeDesc>
---@field links? nsl.LinkDesc[]
---@field services? table<string, nsl.ServiceDesc>
---@field prefix? string
---@field ipv6? string|false   an IPv6 range (at most a /64) that makes the description dual-stack; false: no IPv6 at all on its links
---@field dad? boolean   false: no IPv6 duplicate address detection in the topology
---@field addressing? { ipv4?: string|false, ipv6?: string|boolean }   pools for links and bridges without a subnet: ipv4 default "10.0.0.0/8" (a /24 each; false: none), ipv6 true: "fd00::/48" (a /64 each)
---@field routing? "static"   shortest-path routes for every namespace, both families

---@class nsl.Name
---@field node string
---@field kind "netns"|"bridge"|"veth"|"vlan"|"vxlan"|"macvlan"|"ipvlan"|"dummy"|"bond"|"vrf"|"geneve"|"gretap"
---@field name string
---@field real string
---@field ns string

---The live state as plain tables (t:state()).
---@class nsl.TopologyState
---@field prefix string
---@field state "down"|"building"|"up"
---@field host { links: nsl.LinkInfo[], addresses?: nsl.Addr[] }
---@field namespaces { name: string, real: string, hostname?: string, links: nsl.LinkInfo[], addresses: nsl.Addr[], routes: nsl.Route[], processes: { service: string, pid?: integer, running: boolean, cmd: string[] }[] }[]
---@field faults? { down: string[], cut: string[], impaired: { link: string, node: string, dev: string, impair?: nsl.Impair }[] }   (when up)

---@class nsl.Topology
---@field prefix string
---@field status "down"|"building"|"up"
local Topology = {}
---@return nsl.Topology
function Topology:up() end
---@return nsl.Topology
function Topology:down() end
---@param node string
---@return string
function Topology:name(node) end
---@param node string
---@param ifname? string
---@return string
function Topology:link_name(node, ifname) end
---@param node string
---@param peer? string
---@param family? "inet"|"inet6"
---@return string?
function Topology:addr(node, peer, family) end
---@param node string
---@param peer? string
---@return { address: string, prefixlen: integer, family: "inet"|"inet6", link: string }[]
function Topology:addrs(node, peer) end
---@return nsl.Name[]
function Topology:names() end
---@return string   the name of its nftables table in the root namespace
function Topology:nft_table() end
---@param node string   "host": the root namespace
---@param commands string
---@return string
function Topology:nft(node, commands) end
---@param name string
---@return nsl.Netns
function Topology:ns(name) end
---@param node string
---@param ifname string
---@return nsl.LinkHandle
function Topology:link(node, ifname) end
---@param node string
---@param cmd nsl.Cmd
---@param opts? nsl.ExecOpts
---@return nsl.Result|nsl.Process
function Topology:exec(node, cmd, opts) end
---@param name string
---@return nsl.Process?
function Topology:service(name) end
---Starts a service that is not running and waits until it is ready.
---@param name string
---@return nsl.Topology
function Topology:start(name) end
---Stops a service (signal first when given); no restart follows.
---@param name string
---@param signal? string|integer
---@return nsl.Topology
function Topology:stop(name, signal) end
---@param name string
---@return nsl.Topology
function Topology:restart(name) end
---Waits that long, restarting the services that restart meanwhile.
---@param seconds number
---@return nsl.Topology
function Topology:supervise(seconds) end
---Waits until node has a route to dst (of that protocol); returns it.
---@param node string
---@param dst string
---@param opts? {protocol?: string|integer, timeout?: number}
---@return table
function Topology:wait_route(node, dst, opts) end
function Topology:show() end
---@return string
function Topology:report() end
---@return nsl.TopologyState
function Topology:state() end
---@param opts? { width?: integer }
---@return string
function Topology:diagram(opts) end
---@return string
function Topology:dot() end

---@class nsl.LinkHandle
---@field name string
---@field ns string?
local LinkHandle = {}
function LinkHandle:up() end
function LinkHandle:down() end
---@param opts nsl.LinkSetOpts
function LinkHandle:set(opts) end
---@return nsl.LinkInfo
function LinkHandle:info() end
---@return nsl.Addr[]
function LinkHandle:addrs() end
---@param cidr string
function LinkHandle:addr_add(cidr) end
---@param cidr string
function LinkHandle:addr_del(cidr) end
---@param ns string|integer
function LinkHandle:move(ns) end
function LinkHandle:del() end
---@param cidr string
---@param opts nsl.AddrSetOpts
function LinkHandle:addr_set(cidr, opts) end
---@param opts? nsl.AddrDelOpts
---@return integer
function LinkHandle:addr_flush(opts) end
---@param opts? nsl.LinkWaitOpts
function LinkHandle:wait(opts) end

---@class nsl.Netns
---@field name string
local Netns = {}
---@param cmd nsl.Cmd
---@param opts? nsl.ExecOpts
---@return nsl.Result|nsl.Process
function Netns:exec(cmd, opts) end
---@param cmd nsl.Cmd
---@param opts? nsl.ExecOpts
---@return nsl.Process
function Netns:spawn(cmd, opts) end
---@return nsl.LinkInfo[]
function Netns:links() end
---@param name string
---@return nsl.LinkHandle
function Netns:link(name) end
---@return nsl.Addr[]
function Netns:addrs() end
---@return nsl.Route[]
function Netns:routes() end
---@param link string
---@param cidr string
function Netns:addr_add(link, cidr) end
---@param link string
---@param cidr string
function Netns:addr_del(link, cidr) end
---@param dst string
---@param opts? nsl.RouteOpts
function Netns:route_add(dst, opts) end
---@param dst string
---@param opts? nsl.RouteOpts
function Netns:route_del(dst, opts) end
---@param dst string
---@param opts? nsl.RouteGetOpts
---@return nsl.Route
function Netns:route_get(dst, opts) end
---@param opts nsl.RouteListOpts
---@return integer
function Netns:route_flush(opts) end
---@param link string
---@param cidr string
---@param opts nsl.AddrSetOpts
function Netns:addr_set(link, cidr, opts) end
---@param link string
---@param opts? nsl.AddrDelOpts
---@return integer
function Netns:addr_flush(link, opts) end
---@param link string
---@param opts? nsl.LinkWaitOpts
function Netns:link_wait(link, opts) end
---@return nsl.Rule[]
function Netns:rules() end
---@param opts nsl.RuleOpts
function Netns:rule_add(opts) end
---@param opts nsl.RuleOpts
function Netns:rule_del(opts) end
---@return nsl.Neigh[]
function Netns:neighs() end
---@param addr string
---@param opts nsl.NeighOpts
function Netns:neigh_add(addr, opts) end
---@param addr string
---@param opts nsl.NeighDelOpts
function Netns:neigh_del(addr, opts) end
---@param key string
---@param value? string|number
---@return string?
function Netns:sysctl(key, value) end
---@param name string
---@param peer_ns string
---@param peer_name string
---@param opts? nsl.LinkAddOpts
---@return nsl.LinkHandle
function Netns:veth(name, peer_ns, peer_name, opts) end
function Netns:del() end

------------------------------------------------------------------------
-- The module (require "nsl", also the global nsl)

---@class nsl.json
---@field null lightuserdata
local json = {}
---@param value any
---@return string
function json.encode(value) end
---@param text string
---@return any
function json.decode(text) end
---@param t? table
---@return table
function json.array(t) end
---@param value any
---@return any
function json.plain(value) end

---@class nslmodule
---@field version string
---@field json nsl.json
---@field errno table<string, integer>     errno values by name: nsl.errno.EEXIST
---@field signals table<string, integer>   signal numbers by name without SIG: nsl.signals.TERM
nsl = {
  sleep = sleep, now = now,
  ns_add = ns_add, ns_del = ns_del, ns_list = ns_list, ns_exists = ns_exists,
  veth_add = veth_add, bridge_add = bridge_add, vlan_add = vlan_add, vxlan_add = vxlan_add,
  bridge_vlan_add = bridge_vlan_add, bridge_vlan_del = bridge_vlan_del, bridge_vlan_list = bridge_vlan_list,
  fdb_add = fdb_add, fdb_del = fdb_del, fdb_list = fdb_list,
  macvlan_add = macvlan_add, dummy_add = dummy_add, ipvlan_add = ipvlan_add, bond_add = bond_add,
  vrf_add = vrf_add, geneve_add = geneve_add, gretap_add = gretap_add,
  link_set = link_set, link_del = link_del, link_set_ns = link_set_ns, link_get = link_get,
  link_exists = link_exists, link_list = link_list, link_impair = link_impair,
  addr_add = addr_add, addr_del = addr_del, addr_list = addr_list, addr_set = addr_set,
  addr_flush = addr_flush, link_wait = link_wait,
  route_add = route_add, route_del = route_del, route_list = route_list, route_get = route_get,
  route_flush = route_flush,
  rule_add = rule_add, rule_del = rule_del, rule_list = rule_list,
  neigh_add = neigh_add, neigh_del = neigh_del, neigh_list = neigh_list,
  sysctl = sysctl, sock_list = sock_list, ns_exec = ns_exec, spawn = spawn, pid_exec = pid_exec,
  nft = nft, nft_list = nft_list, listen = listen, connect = connect, tcp_request = tcp_request, proxy = proxy, capture = capture,
  mkdtemp = mkdtemp,
}

---@param description nsl.TopologyDesc
---@param opts? { prefix?: string }
---@return nsl.Topology
function nsl.topology(description, opts) end

---@param name string
---@param opts? { attach?: boolean }
---@return nsl.Netns
function nsl.netns(name, opts) end

---Removes what killed runs left behind; returns what was removed, and why
---anything could not be.
---@return table[] removed, string[] failures
function nsl.clean() end

---@param value any
---@param opts? { width?: integer }
---@return string
function nsl.pretty(value, opts) end

---Raises an error of the primitives' shape.
---@param primitive string
---@param object string
---@param reason string
---@param errno? integer
function nsl.fail(primitive, object, reason, errno) end

return nsl
