---@meta nsl.test
-- LuaCATS definitions: nsl.test, the harness for testing networked
-- software with busted under nsl (doc/testing.md).

---@class nsl.test.WorldOpts
---@field scope? "test"|"file"   a fresh world before each test (default), or one for the file

---@class nsl.test.EventuallyOpts
---@field timeout? number    seconds (default 5)
---@field interval? number   seconds between tries at most (default 0.1)

---@class nsl.test.CaptureOpts
---@field filter? string     a pcap filter: "tcp port 80"
---@field snaplen? integer

---A topology brought up for each test (or the file) by busted hooks; every
---method of nsl.Topology works on it too (w:addr, w:name, w:show...).
---@class nsl.test.World: nsl.Topology
---@field dir string?         the world's private folder while it is up
local World = {}

---The live topology; pending outside the privileges a world needs, an
---error when it is not up.
---@return nsl.Topology
function World:topology() end

---t:exec with capture on by default; a command that fails is kept for
---the artifacts.
---@param node string
---@param cmd string[]
---@param opts? nsl.ExecOpts
---@return nsl.Result|nsl.Process
function World:exec(node, cmd, opts) end

---What the service wrote to stdout and stderr so far.
---@param service string
---@return string
function World:logs(service) end

---Writes a file in the world's private folder (removed after the test);
---returns its path.
---@param name string
---@param text string
---@return string
function World:file(name, text) end

---The file a service logs to.
---@param service string
---@return string
function World:log_path(service) end

---Records packets on an interface to a pcap file until the end of the
---test; returns the file's path.
---@param node string         a node, or "node:ifname"
---@param ifname? string
---@param opts? nsl.test.CaptureOpts
---@return string
function World:capture(node, ifname, opts) end

---A capture on one end of every link; returns the files.
---@param opts? nsl.test.CaptureOpts
---@return string[]
function World:capture_all(opts) end

---Stops the captures and waits for them.
function World:stop_captures() end

---@class nsl.test
local nt = {}

---Can this process build namespaces?
---@return boolean ok, string? why
function nt.privileged() end

---Inside a describe: registers the hooks that build the world and returns it.
---@param description nsl.TopologyDesc|fun(w: nsl.test.World): nsl.TopologyDesc
---@param opts? nsl.test.WorldOpts
---@return nsl.test.World
function nt.world(description, opts) end

---Calls fn until it returns a truthy value without raising; returns what
---it returned, or raises the last failure.
---@generic T
---@param fn fun(): T, any
---@param opts? nsl.test.EventuallyOpts
---@return T
function nt.eventually(fn, opts) end

---A TCP listener (or a bound UDP socket) on port in node.
---@param w nsl.test.World
---@param node string
---@param port integer
---@param proto? "tcp"|"udp"
---@return boolean ok, string? seen
function nt.listening(w, node, port, proto) end

---One ping from node a to node b answers.
---@param w nsl.test.World
---@param a string
---@param b string
---@param family? "inet"|"inet6"
---@return boolean ok, string? seen
function nt.reachable(w, a, b, family) end

---The service's log matches the Lua pattern.
---@param w nsl.test.World
---@param service string
---@param pattern string
---@return boolean ok, string? seen
function nt.log_matches(w, service, pattern) end

---The file exists as node's processes see it.
---@param w nsl.test.World
---@param node string
---@param path string
---@return boolean ok, string? seen
function nt.file_exists(w, node, path) end

---actual holds every key of subset with an equal value (recursively);
---else false, the path of the first difference, what is there, what was
---wanted.
---@param actual any
---@param subset any
---@return boolean ok, string? path, any seen, any wanted
function nt.json_subset(actual, subset) end

return nt
