---@meta
-- LuaCATS definitions: nsl.netns: namespace and link handles (nsl.netns, t:ns, t:link).

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
