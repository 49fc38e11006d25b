-- nsl.json: JSON for nsl's results, by Debian's lua-cjson (loaded as the
-- module "cjson"; no hand-written encoder).
--
--   json.encode(value)  -> text     any nsl result: listings, t:state(),
--                                   process results, error objects
--   json.decode(text)   -> value
--   json.plain(value)   -> a copy cjson can take (see below; an empty
--                          array in it is marked by json.array)
--   json.array(t)       -> t, marked so that it encodes as [] when empty
--   json.null           -> JSON null (cjson.null)
--
-- nsl's values are not all plain data: listings carry a metatable
-- (__columns, for the pretty printer), error objects and handles have
-- methods, a process handle is userdata.  encode first copies the value
-- into plain tables: a function is dropped, userdata and tables with a
-- __tostring become their text, non-string keys of a non-sequence become
-- strings.  A sequence is a JSON array; so is an empty table marked by
-- json.array or by a __columns metatable (every listing primitive's
-- result): cjson 2.1.0 has no empty-array value of its own, so an
-- unmarked empty table encodes as {}.
local ok, cjson = pcall(require, "cjson")
if not ok then
  error("nsl.json: needs lua-cjson (Debian: apt-get install lua-cjson): " .. tostring(cjson), 0)
end

local M = { null = cjson.null }

-- A string no nsl value holds: stands for an empty array while cjson
-- encodes, then replaced by [] in its output.
local EMPTY = "\0nsl:empty-array\0"
local EMPTY_JSON = cjson.encode(EMPTY)

local Array = { __jsontype = "array" }

function M.array(t)
  return setmetatable(t or {}, Array)
end

local function is_sequence(t)
  local n = 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 then return false end
    n = n + 1
  end
  return n == #t
end

-- empty: what an empty array becomes (EMPTY while encoding; json.plain
-- gives a table marked by json.array, so that it never shows the marker).
local function plain(v, seen, empty)
  local ty = type(v)
  if ty == "string" or ty == "boolean" or ty == "nil" then return v end
  if ty == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return tostring(v) end
    return v
  end
  if v == cjson.null then return v end
  local mt = getmetatable(v)
  if ty ~= "table" then
    if ty == "userdata" and mt and mt.__tostring then return tostring(v) end
    return nil -- functions, threads, bare userdata: not data
  end
  if type(mt) == "table" and mt.__tostring and mt ~= Array then
    -- error objects: their fields and their message
    if mt.__name == "nsl.error" or rawget(v, "message") then
      local out = {}
      for k, x in pairs(v) do
        if type(k) == "string" then out[k] = plain(x, seen, empty) end
      end
      out.message = tostring(v)
      return out
    end
    return tostring(v)
  end
  if seen[v] then error("nsl.json: cannot encode a cycle", 0) end
  seen[v] = true
  local out
  if next(v) == nil then
    -- every listing primitive's result: a metatable named "nsl.<prim>"
    local arrayish = type(mt) == "table" and (mt.__jsontype == "array" or mt.__columns ~= nil or
      (type(mt.__name) == "string" and mt.__name:match("^nsl%.[%w_]+_list$") ~= nil))
    out = arrayish and empty() or {}
  elseif is_sequence(v) then
    out = {}
    for i = 1, #v do
      local x = plain(v[i], seen, empty)
      if x == nil then x = cjson.null end
      out[i] = x
    end
  else
    out = {}
    for k, x in pairs(v) do
      local kt = type(k)
      if kt == "string" or kt == "number" or kt == "boolean" then
        out[tostring(k)] = plain(x, seen, empty)
      end
    end
  end
  seen[v] = nil
  return out
end

local function marker() return EMPTY end

function M.plain(v)
  return plain(v, {}, M.array)
end

function M.encode(v)
  local text = cjson.encode(plain(v, {}, marker))
  if text:find(EMPTY_JSON, 1, true) then
    text = text:gsub(EMPTY_JSON:gsub("%p", "%%%0"), "[]")
  end
  return text
end

-- cjson 2.1.0 reads every number as a float; integral ones become Lua
-- integers again (a pid, an ifindex, an mtu), so a decoded listing is
-- the one encoded.
local function integers(v)
  if type(v) == "number" then return math.tointeger(v) or v end
  if type(v) == "table" then
    for k, x in pairs(v) do v[k] = integers(x) end
  end
  return v
end

function M.decode(text)
  return integers(cjson.decode(text))
end

return M
