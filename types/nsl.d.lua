---@meta nsl
-- LuaCATS definitions of nsl's globals, for lua-language-server: point
-- its "workspace.library" at this directory (README, "Editors and
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

---@class nsl.VethOpts: nsl.LinkAddOpts
---@field peer_ns? string   make the peer directly inside this namespace

---@class nsl.VxlanOpts: nsl.LinkAddOpts
---@field remote? string
---@field local? string
---@field dev? string
---@field port? integer     default 4789

---@class nsl.MacvlanOpts: nsl.LinkAddOpts
---@field mode? "bridge"|"private"|"vepa"|"passthru"|"source"

---@class nsl.LinkSetOpts: nsl.NsOpts
---@field up? boolean
---@field mtu? integer
---@field address? string
---@field name? string            rename
---@field master? string|false    a bridge; false detaches
---@field alias? string

---@class nsl.AddrOpts: nsl.NsOpts
---@field nodad? boolean   skip IPv6 duplicate address detection

---@class nsl.AddrListOpts: nsl.NsOpts
---@field dev? string   keep to one link

---@class nsl.RouteOpts: nsl.NsOpts
---@field via? string
---@field dev? string
---@field metric? integer
---@field table? integer|"main"|"local"|"default"
---@field src? string
---@field family? "inet"|"inet6"

---@class nsl.RouteListOpts: nsl.NsOpts
---@field table? integer|"main"|"local"|"default"|"all"
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
---@field peer string?            a veth's peer
---@field peer_ns string?         the peer's namespace ("" for the start one)
---@field parent string?          a vlan's or macvlan's parent

---@class nsl.Addr
---@field dev string
---@field index integer
---@field family "inet"|"inet6"
---@field address string
---@field prefixlen integer
---@field cidr string
---@field scope string

---@class nsl.Route
---@field dst string
---@field via string?
---@field dev string?
---@field metric integer?
---@field table integer|string
---@field src string?
---@field protocol string?
---@field scope string?
---@field type string?
---@field family "inet"|"inet6"

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
---@param opts? nsl.LinkAddOpts
function bridge_add(name, opts) end
---@param name string
---@param parent string
---@param id integer   1..4094
---@param opts? nsl.LinkAddOpts
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

---@param link string
---@param opts? nsl.LinkSetOpts
function link_set(link, opts) end
---@param link string
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
---@param opts? nsl.NsOpts
---@return nsl.LinkInfo[]
function link_list(opts) end

---@param link string
---@param cidr string
---@param opts? nsl.AddrOpts
function addr_add(link, cidr, opts) end
---@param link string
---@param cidr string
---@param opts? nsl.NsOpts
function addr_del(link, cidr, opts) end
---@param opts? nsl.AddrListOpts
---@return nsl.Addr[]
function addr_list(opts) end

---@param dst string   a CIDR or "default"
---@param opts? nsl.RouteOpts
function route_add(dst, opts) end
---@param dst string
---@param opts? nsl.RouteOpts
function route_del(dst, opts) end
---@param opts? nsl.RouteListOpts
---@return nsl.Route[]
function route_list(opts) end

---Reads (no value) or writes a sysctl key inside the namespace.
---@param key string
---@param value? string|number
---@param opts? nsl.NsOpts
---@return string?
function sysctl(key, value, opts) end

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
---@field routes? table<string, string|{ via?: string, dev?: string, metric?: integer, table?: integer|string, src?: string }>
---@field hostname? string
---@field lo? boolean

---@class nsl.BridgeDesc
---@field address? string
---@field subnet? string
---@field ns? string
---@field mtu? integer

---A veth pair: { end1, end2, name =, address =, subnet =, mtu = }.
---@class nsl.LinkDesc
---@field [1] string
---@field [2] string
---@field name? string|table<string, string>
---@field address? string|table<string, string>
---@field subnet? string
---@field mtu? integer

---@class nsl.ReadyDesc
---@field port? integer
---@field cmd? nsl.Cmd
---@field file? string
---@field timeout? number

---@class nsl.ServiceDesc
---@field ns string
---@field cmd nsl.Cmd
---@field env? table<string, string|false>
---@field cwd? string
---@field after? string|string[]
---@field ready? nsl.ReadyDesc|integer|fun(t: nsl.Topology, h: nsl.Process): boolean
---@field stop_timeout? number

---The description nsl.topology takes.
---@class nsl.TopologyDesc
---@field namespaces? string[]|table<string, nsl.NamespaceDesc>
---@field bridges? table<string, nsl.BridgeDesc>
---@field links? nsl.LinkDesc[]
---@field services? table<string, nsl.ServiceDesc>
---@field prefix? string

---@class nsl.Name
---@field node string
---@field kind "netns"|"bridge"|"veth"
---@field name string
---@field real string
---@field ns string

---The live state as plain tables (t:state()).
---@class nsl.TopologyState
---@field prefix string
---@field state "down"|"building"|"up"
---@field host { links: nsl.LinkInfo[], addresses?: nsl.Addr[] }
---@field namespaces { name: string, real: string, hostname?: string, links: nsl.LinkInfo[], addresses: nsl.Addr[], routes: nsl.Route[], processes: { service: string, pid?: integer, running: boolean, cmd: string[] }[] }[]

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
---@return string?
function Topology:addr(node, peer) end
---@return nsl.Name[]
function Topology:names() end
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
nsl = {
  sleep = sleep, now = now,
  ns_add = ns_add, ns_del = ns_del, ns_list = ns_list, ns_exists = ns_exists,
  veth_add = veth_add, bridge_add = bridge_add, vlan_add = vlan_add, vxlan_add = vxlan_add,
  macvlan_add = macvlan_add, dummy_add = dummy_add,
  link_set = link_set, link_del = link_del, link_set_ns = link_set_ns, link_get = link_get,
  link_exists = link_exists, link_list = link_list,
  addr_add = addr_add, addr_del = addr_del, addr_list = addr_list,
  route_add = route_add, route_del = route_del, route_list = route_list,
  sysctl = sysctl, ns_exec = ns_exec, spawn = spawn, pid_exec = pid_exec,
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
