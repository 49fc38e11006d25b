---@meta
-- LuaCATS definitions: nsl.core's records: what the primitives return.

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
