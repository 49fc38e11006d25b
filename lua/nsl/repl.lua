-- nsl.repl: what the REPL does in Lua: show results, complete names.
local core = require("nsl.core")
local pretty = require("nsl.pretty")
local lab = require("nsl.lab")

local M = {}

-- Prints the values a chunk returned, as the REPL shows them.
-- A string holding newlines (t:diagram(), captured output) prints as
-- its text, a block, rather than as a quoted literal.
function M.show(...)
  local n = select("#", ...)
  local out = {}
  for i = 1, n do
    local v = select(i, ...)
    if type(v) == "string" and v:find("\n") then
      out[i] = (v:gsub("\n$", ""))
    else
      out[i] = pretty.format(v)
    end
  end
  io.stdout:write(table.concat(out, "\t"), "\n")
  io.stdout:flush()
end

local keywords = {
  "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
  "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
  "true", "until", "while",
}

-- Fields reachable from v without running code: its own keys (tables) and
-- those of __index tables up the chain.
local function fields(v, out, depth)
  if depth > 8 then return end
  if type(v) == "table" then
    for k, x in next, v do
      if type(k) == "string" and out[k] == nil then out[k] = x end
    end
  end
  local mt = getmetatable(v)
  if type(mt) == "table" then
    local index = rawget(mt, "__index")
    if type(index) == "table" then fields(index, out, depth + 1) end
  end
end

local function lookup(v, k)
  local seen = {}
  fields(v, seen, 0)
  return seen[k]
end

-- The node names of live topologies (this run's and other runs', from
-- their lab files) and the names of the namespaces there are (ns_list:
-- ns_add's, ip netns add's) that start with text: what Tab offers inside
-- a string.
local function node_names(text)
  local ok, names = pcall(lab.node_names)
  local out, seen = {}, {}
  local ok2, spaces = pcall(core.ns_list)
  names = ok and names or {}
  for _, n in ipairs(ok2 and spaces or {}) do names[#names + 1] = n end
  for _, n in ipairs(names) do
    if not seen[n] and n:sub(1, #text) == text then out[#out + 1] = n end
    seen[n] = true
  end
  table.sort(out)
  return out
end

-- complete("string.fo") -> { "string.format(" }.  The text is a dotted
-- path with an optional ":" before its last part; only table fields and
-- __index tables are looked at, so completing never runs user code.
-- complete(text, true): the text is inside a string literal, and the
-- candidates are the node names of live topologies.
function M.complete(text, quoted)
  if quoted then return node_names(text) end
  local head, sep, part = text:match("^([%a_][%w_.:]*)([.:])([%w_]*)$")
  local base = _G
  if head then
    for name in head:gmatch("[^.:]+") do
      base = lookup(base, name)
      if base == nil then return {} end
    end
  elseif text:match("^[%a_]?[%w_]*$") then
    head, sep, part = "", "", text
  else
    return {}
  end
  local found, out = {}, {}
  fields(base, found, 0)
  -- Metamethods (__gc, __close...) and private fields (_name) only when
  -- what is typed starts with "_" too.
  local private = part:sub(1, 1) == "_"
  for k, v in pairs(found) do
    if k:sub(1, #part) == part and k:match("^[%a_][%w_]*$")
        and (private or k:sub(1, 1) ~= "_")
        and (sep ~= ":" or type(v) == "function") then
      local suffix = type(v) == "function" and "(" or type(v) == "table" and "." or ""
      out[#out + 1] = head .. sep .. k .. suffix
    end
  end
  if sep == "" then
    for _, w in ipairs(keywords) do
      if w:sub(1, #part) == part then out[#out + 1] = w end
    end
  end
  table.sort(out)
  return out
end

return M
