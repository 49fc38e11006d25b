---@meta
-- LuaCATS definitions: nsl.topo: topology descriptions and the topology object (nsl.topology).

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
