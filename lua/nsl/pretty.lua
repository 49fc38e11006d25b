-- nsl.pretty: readable text for any Lua value.
--
--   format(v [, opts])  -> string
--
-- Tables print nested with sorted keys (numbers first, then strings);
-- short tables stay on one line.  An array of records (a sequence of
-- tables with string keys and plain values) prints as aligned columns, the
-- column order taken from the array's metatable field __columns when it
-- has one, or from M.columns by the metatable's __name (the kind of list
-- a primitive returns: "nsl.link_list"...), else "name" first and the
-- rest sorted.  opts.width (default 80) is the width a one-line table may
-- take.
local M = {}

-- How the lists the primitives return are shown: the C side only names
-- the kind of list (its metatable's __name); the columns are chosen here.
M.columns = {
  ["nsl.link_list"] = { "name", "index", "kind", "up", "state", "mtu", "address", "master", "peer" },
  ["nsl.addr_list"] = { "dev", "cidr", "family", "scope" },
  ["nsl.route_list"] = { "dst", "via", "dev", "metric", "table", "src", "protocol", "scope" },
  ["nsl.rule_list"] = { "priority", "family", "from", "to", "iif", "oif", "fwmark", "table", "action" },
  ["nsl.neigh_list"] = { "dst", "lladdr", "dev", "state", "router", "family" },
  ["nsl.sock_list"] = { "proto", "family", "state", "local", "port", "remote", "rport" },
  ["nsl.fdb_list"] = { "mac", "dev", "vlan", "master", "state", "self" },
  ["nsl.bridge_vlan_list"] = { "dev", "vid", "pvid", "untagged" },
}

local ident = "^[%a_][%w_]*$"
local keywords = {}
for w in ([[and break do else elseif end false for function goto if in
  local nil not or repeat return then true until while]]):gmatch("%a+") do
  keywords[w] = true
end

local escapes = {
  ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r", ['"'] = '\\"', ["\\"] = "\\\\",
}

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\%d", c:byte())
  end) .. '"'
end

local function scalar(v)
  local t = type(v)
  if t == "string" then return quote(v) end
  if t == "number" or t == "boolean" or t == "nil" then return tostring(v) end
  local mt = getmetatable(v)
  if mt and mt.__tostring then return tostring(v) end
  return tostring(v)
end

-- Keys in display order: integers ascending, then strings, then the rest.
local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  local rank = { number = 1, string = 2 }
  table.sort(keys, function(a, b)
    local ra, rb = rank[type(a)] or 3, rank[type(b)] or 3
    if ra ~= rb then return ra < rb end
    if ra == 3 then return tostring(a) < tostring(b) end
    return a < b
  end)
  return keys
end

local function is_sequence(t)
  local n = #t
  if n == 0 then return false end
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

local function plain(v)
  local t = type(v)
  return t ~= "table" and t ~= "function" and t ~= "thread" and t ~= "userdata"
    or (t == "userdata" and getmetatable(v) and getmetatable(v).__tostring ~= nil)
end

-- An array of records: every element a table whose keys are strings and
-- whose values are plain or small arrays; returns the columns or nil.
local function record_columns(t)
  if not is_sequence(t) or getmetatable(t) and getmetatable(t).__tostring then
    return nil
  end
  local seen, cols = {}, {}
  for _, rec in ipairs(t) do
    if type(rec) ~= "table" or next(rec) == nil or getmetatable(rec) and getmetatable(rec).__tostring then
      return nil
    end
    for k, v in pairs(rec) do
      if type(k) ~= "string" then return nil end
      if not plain(v) and not (type(v) == "table" and is_sequence(v)) then
        return nil
      end
      if not seen[k] then seen[k] = true; cols[#cols + 1] = k end
    end
  end
  local mt = getmetatable(t)
  local want = mt and (type(mt.__columns) == "table" and mt.__columns or M.columns[mt.__name])
  if want then
    local order, listed = {}, {}
    for _, c in ipairs(want) do
      if seen[c] then order[#order + 1] = c; listed[c] = true end
    end
    local rest = {}
    for _, c in ipairs(cols) do if not listed[c] then rest[#rest + 1] = c end end
    table.sort(rest)
    for _, c in ipairs(rest) do order[#order + 1] = c end
    return order
  end
  table.sort(cols, function(a, b)
    if a == "name" or b == "name" then return a == "name" end
    return a < b
  end)
  return cols
end

local format

-- A value in one cell, always on one line: a record as "k=v k=v" (keys
-- sorted), a list as its items joined by ", " (a route's nexthops: "dev=a
-- via=10.0.0.2 weight=1, dev=b via=10.1.0.2 weight=1").
local function cell(v)
  if v == nil then return "" end
  if type(v) == "string" then return (v:gsub("\n", " ")) end
  if type(v) ~= "table" or (getmetatable(v) and getmetatable(v).__tostring) then return tostring(v) end
  if is_sequence(v) then
    local items = {}
    for i, x in ipairs(v) do items[i] = cell(x) end
    return table.concat(items, ", ")
  end
  local items = {}
  for _, k in ipairs(sorted_keys(v)) do
    local x = v[k]
    items[#items + 1] = tostring(k) .. "=" .. (type(x) == "table" and "{" .. cell(x) .. "}" or cell(x))
  end
  return table.concat(items, " ")
end

local function columns(t, cols)
  local rows, widths = {}, {}
  for i, c in ipairs(cols) do widths[i] = utf8.len(c) or #c end
  for r, rec in ipairs(t) do
    local row = {}
    for i, c in ipairs(cols) do
      row[i] = cell(rec[c])
      widths[i] = math.max(widths[i], utf8.len(row[i]) or #row[i])
    end
    rows[r] = row
  end
  local function line(values)
    local parts = {}
    for i, v in ipairs(values) do
      local pad = i < #values and string.rep(" ", widths[i] - (utf8.len(v) or #v)) or ""
      parts[i] = v .. pad
    end
    return (table.concat(parts, "  "):gsub("%s+$", ""))
  end
  local out = { line(cols) }
  for _, row in ipairs(rows) do out[#out + 1] = line(row) end
  return table.concat(out, "\n")
end

local function key_text(k)
  if type(k) == "string" and k:match(ident) and not keywords[k] then return k end
  return "[" .. scalar(k) .. "]"
end

local function render(v, indent, width, seen)
  if type(v) ~= "table" then return scalar(v) end
  local mt = getmetatable(v)
  if mt and mt.__tostring then return tostring(v) end
  if seen[v] then return "<cycle: " .. tostring(v) .. ">" end
  if next(v) == nil then return "{}" end
  seen[v] = true
  local n = #v
  local items = {}
  for _, k in ipairs(sorted_keys(v)) do
    local inner = render(v[k], indent .. "  ", width, seen)
    if math.type(k) == "integer" and k >= 1 and k <= n then
      items[#items + 1] = inner
    else
      items[#items + 1] = key_text(k) .. " = " .. inner
    end
  end
  seen[v] = nil
  local one = "{ " .. table.concat(items, ", ") .. " }"
  if #one + #indent <= width and not one:find("\n") then return one end
  local inner_indent = indent .. "  "
  return "{\n" .. inner_indent .. table.concat(items, ",\n" .. inner_indent)
    .. "\n" .. indent .. "}"
end

-- A process result (a table with a string stdout, as ns_exec returns
-- with capture = true): its other fields on one line, then stdout and
-- stderr as text.
local function result_text(v, width)
  local rest = {}
  for k, x in pairs(v) do
    if k ~= "stdout" and k ~= "stderr" then rest[k] = x end
  end
  local out = { render(rest, "", width, {}) }
  for _, k in ipairs({ "stdout", "stderr" }) do
    if type(v[k]) == "string" and v[k] ~= "" then
      out[#out + 1] = k .. ":"
      out[#out + 1] = (v[k]:gsub("\n$", ""))
    end
  end
  return table.concat(out, "\n")
end

function format(v, opts)
  local width = opts and opts.width or 80
  if type(v) == "table" and type(rawget(v, "stdout")) == "string" and not getmetatable(v) then
    return result_text(v, width)
  end
  if type(v) == "table" then
    local cols = record_columns(v)
    if cols then return columns(v, cols) end
  end
  return render(v, "", width, {})
end

M.format = format
return M
