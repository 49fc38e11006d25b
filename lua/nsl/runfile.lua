-- nsl.runfile: reading the files of the run directory (records, lab
-- files) without believing them.  Any user who could write there (a
-- rootless world's run directory is its user's), or a run killed while
-- writing, may have left anything: files are read whole, bounded, never
-- through a link nor waiting on a FIFO (core._read_file), and every
-- number and name is checked before nsl.record or nsl.lab acts on it.
-- The record's format is described in nsl.record.
local core = require "nsl.core"

local M = {}

-- Files of the run directory are read whole, never past these sizes,
-- without following a link or waiting on a FIFO (core._read_file): any
-- user who could write there, or a run that died mid-write, may have
-- left anything.
M.MAX_RECORD = 16 * 1024 * 1024
M.MAX_LAB = 4 * 1024 * 1024

local PID_MAX = 0x7fffffff -- pid_t

-- n written as plain digits (a string) or an integer, within lo..hi;
-- else nil.  1.5, 1e300, "0x10", " 7" and 20 digits are not.
function M.int(v, lo, hi)
  if type(v) == "string" then
    if not v:match("^%d+$") or #v > 19 then return nil end
    v = math.tointeger(tonumber(v))
  elseif math.type(v) ~= "integer" then
    return nil
  end
  if v and v >= lo and v <= hi then return v end
  return nil
end

-- A pid (plain digits or an integer, 1 .. 2^31 - 1), or nil.
function M.pid(v)
  return M.int(v, 1, PID_MAX)
end

-- A record's name: "<pid>-<start>" with a pid and a start time nsl could
-- have written; pid and start, or nil.
function M.parse_id(id)
  local pid, start = tostring(id):match("^(%d+)%-(%d+)$")
  pid, start = M.pid(pid), M.int(start, 0, math.maxinteger)
  if pid and start then return pid, start end
  return nil
end

-- s as it may go to a terminal: control characters (an escape sequence
-- a forged name could hold) as \ddd; tabs and newlines stay.
function M.shown(s)
  return (tostring(s):gsub("[%z\1-\8\11-\31\127]", function(c) return string.format("\\%03d", c:byte()) end))
end

local function unescape(s)
  return (s:gsub("\\(.)", { t = "\t", n = "\n", ["\\"] = "\\" }))
end

-- A rule's record text ("family=inet priority=10 from=10.0.0.0/24
-- table=100") as { key = value }.
function M.rule_fields(spec)
  local t = {}
  for k, x in spec:gmatch("(%w+)=(%S+)") do t[k] = x end
  return t
end

local function fields(line)
  local out = {}
  for f in (line .. "\t"):gmatch("([^\t]*)\t") do out[#out + 1] = unescape(f) end
  return out
end

local function name_ok(n) return n ~= "" and n ~= "." and n ~= ".." and not n:find("/", 1, true) end

-- A namespace field is a name under /run/netns or an absolute path to a
-- namespace file (nsl-cni's pods: /proc/PID/ns/net), with no . or ..
-- component.
local function ns_ok(n)
  if n:sub(1, 1) ~= "/" then return name_ok(n) end
  return not (n .. "/"):find("/%.%.?/") and not n:find("//", 1, true)
end

-- nsl's UTS and mount namespace files are <run dir>/uts|mnt/<name>,
-- their placeholders beside; service logs it made <run dir>/log/<name>.
-- placed(kind, path) says why path (from a record or a lab file) is not
-- one of those, or nil when it is.
function M.placed(kind, path)
  local dir = core._record_dir() .. "/" .. kind .. "/"
  if path:sub(1, #dir) ~= dir or not name_ok(path:sub(#dir + 1)) then
    local what = { uts = "UTS file ", mnt = "mount namespace file ", log = "service log " }
    return what[kind] .. path .. " is not under " .. dir
  end
  return nil
end

-- What makes an entry's fields untrustworthy (a forged or corrupt
-- record): a number that is not plain digits in range, a name that could
-- reach out of its directory.  nil when they are fine.
local INDEX_MAX, U32 = 0x7fffffff, 0xffffffff
local function bad_fields(e)
  if e.kind == "proc" and not (e.pid and e.start) then return "pid and start time must be plain integers" end
  if (e.kind == "link" or e.kind == "neigh" or e.kind == "fdb" or e.kind == "vlan") and not e.index then
    return "ifindex must be a plain integer"
  end
  if e.kind == "fdb" and not (e.vlan and e.flags) then return "VLAN and flags must be plain integers" end
  if e.kind == "vlan" and not (e.lo and e.hi) then return "VLAN ids must be plain integers 1 to 4094" end
  if e.kind == "ns" and not name_ok(e.name) then return "namespace name '" .. e.name .. "' is not a name" end
  if e.ns and e.ns ~= "" and not ns_ok(e.ns) then return "ns '" .. e.ns .. "' is not a name" end
  if e.dev and e.dev ~= "" and not name_ok(e.dev) then return "dev '" .. e.dev .. "' is not a name" end
  if e.kind == "link" and not name_ok(e.name) then return "link name '" .. e.name .. "' is not a name" end
  if e.kind == "uts" or e.kind == "mnt" or e.kind == "log" then return M.placed(e.kind, e.name) end
  return nil
end

-- The entries of a record file, in the order they were made, each
-- { kind, name, ns, tmp, file, net, uts, index, nsid, pid, start,
-- live, lines, made }; made counts the + lines, as _record_mark does.
-- An entry whose fields cannot be trusted has bad = the reason (it is
-- never acted on).  A file that cannot be read (a FIFO, a link, too
-- large): no entries, and the reason as a second result.
function M.replay(file)
  local list, by, made = {}, {}, 0
  local text, why, errno = core._read_file(file, M.MAX_RECORD)
  if not text then return list, errno ~= core.errno.ENOENT and why or nil end -- gone: its run ended since
  for line in text:gmatch("[^\n]+") do
    local sign, kind = line:match("^([+=-])(%a+)\t")
    local v = sign and fields(line:sub(#kind + 3)) or {}
    local key = kind and (kind .. "\t" .. (v[1] or "") ..
      ((kind == "link" or kind == "rule") and "\t" .. (v[2] or "") or "") ..
      -- a proxy entry and a plain one of an address, a bridge's and a link's
      -- own entry of a MAC, are two: the key holds proxy / the flags
      (kind == "neigh" and "\t" .. (v[2] or "") .. "\t" .. (v[3] or "") .. "\t" ..
        ((sign == "+" and v[6] or v[4]) or "0") or "") ..
      (kind == "fdb" and "\t" .. (v[2] or "") .. "\t" .. (v[3] or "") .. "\t" .. (v[4] or "") .. "\t" ..
        ((sign == "+" and v[7] or v[5]) or "0") or "") ..
      (kind == "vlan" and "\t" .. (v[2] or "") .. "\t" .. (v[3] or "") .. "\t" .. (v[4] or "") .. "\t" ..
        (v[5] or "") or ""))
    if line == "-all" then -- the run ended well: it lets go of all before
      for _, e in ipairs(list) do e.live = false end
      by = {}
    elseif sign == "+" then
      made = made + 1
      local e = { kind = kind, live = true, lines = { line }, made = made }
      if kind == "ns" then e.name, e.tmp = v[1], v[2] ~= "" and v[2] or nil
      elseif kind == "link" then
        e.name, e.ns, e.index, e.nsid = v[1], v[2] or "", M.int(v[3] or "0", 0, INDEX_MAX), v[4]
      elseif kind == "uts" or kind == "mnt" then e.name, e.tmp = v[1], v[2] ~= "" and v[2] or nil
      elseif kind == "proc" then e.name, e.pid, e.start = v[1], M.pid(v[1]), M.int(v[2], 0, math.maxinteger)
      elseif kind == "nft" or kind == "log" then e.name = v[1]
      elseif kind == "sysctl" then e.name, e.was, e.set = v[1], v[2], v[3]
      elseif kind == "neigh" then
        e.name, e.dev, e.ns, e.index, e.nsid, e.proxy =
          v[1], v[2] or "", v[3] or "", M.int(v[4] or "0", 0, INDEX_MAX), v[5], v[6] == "1"
      elseif kind == "rule" then e.name, e.ns, e.nsid = v[1], v[2] or "", v[3]
      elseif kind == "vlan" then
        e.name, e.ns, e.lo, e.hi, e.self, e.index, e.nsid = v[1], v[2] or "", M.int(v[3], 1, 4094),
          M.int(v[4], 1, 4094), v[5] == "1", M.int(v[6] or "0", 0, INDEX_MAX), v[7]
      elseif kind == "fdb" then
        e.name, e.dev, e.ns, e.vlan, e.index, e.nsid, e.flags = v[1], v[2] or "", v[3] or "",
          M.int(v[4] or "0", 0, 4094), M.int(v[5] or "0", 0, INDEX_MAX), v[6], M.int(v[7] or "0", 0, U32)
      end
      e.name = e.name or ""
      e.bad = bad_fields(e)
      list[#list + 1] = e
      by[key] = e
    elseif sign == "=" and by[key] and (v[2] == "file" or v[2] == "net" or v[2] == "uts" or v[2] == "mnt") then
      local e = by[key]
      e[v[2]] = v[3]
      e.lines[#e.lines + 1] = line
    elseif sign == "-" and by[key] then
      by[key].live = false
    elseif sign == "-" and kind == "vlan" then
      -- bridge_vlan_del took a range off: every +vlan of the port within it
      local lo, hi = M.int(v[3], 1, 4094) or 0, M.int(v[4], 1, 4094) or -1
      for _, e in ipairs(list) do
        if e.kind == "vlan" and e.live and not e.bad and e.name == v[1] and e.ns == (v[2] or "") and
           e.self == (v[5] == "1") and e.lo >= lo and e.hi <= hi then
          e.live = false
        end
      end
    elseif sign == "-" and kind == "rule" then
      -- rule_del names a rule by the selectors it was given: the newest
      -- live rule of that namespace with all of them is the one it took
      local want = M.rule_fields(v[1] or "")
      for i = #list, 1, -1 do
        local e = list[i]
        if e.kind == "rule" and e.live and e.ns == (v[2] or "") then
          local have, all = M.rule_fields(e.name), true
          for k, x in pairs(want) do all = all and have[k] == x end
          if all then e.live = false; break end
        end
      end
    end
  end
  local out = {}
  for _, e in ipairs(list) do if e.live then out[#out + 1] = e end end
  return out
end

return M
