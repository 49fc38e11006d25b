---@meta
-- LuaCATS definitions: nsl.core's primitives of namespaces, links, addresses, routes, rules, neighbours
-- (and sleep, now).

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
