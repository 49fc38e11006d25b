---@meta
-- LuaCATS definitions: nsl.core's firewalls (nftables) and sockets.

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
