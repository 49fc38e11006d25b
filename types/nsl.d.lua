---@meta nsl
-- LuaCATS definitions of nsl's globals, for lua-language-server: point
-- its "workspace.library" at this directory (doc/reference.md, "Editors and
-- linters").  Every primitive is a global in scripts and a field of
-- `nsl`; spec/types_spec.lua checks that each one is declared in this
-- folder.  This file: the module (require "nsl", also the global nsl);
-- nsl/: one file per module (nsl.core by theme, nsl.topo, nsl.netns,
-- nsl.test).

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
