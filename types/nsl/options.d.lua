---@meta
-- LuaCATS definitions: nsl.core's option tables (and its error), the tables the primitives take.

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
