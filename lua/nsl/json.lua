-- nsl.json: JSON for nsl's results, by nsl's own C (src/lua/json.c:
-- jansson reads, a small writer writes); nothing is loaded from the file
-- system, so it works in any mount namespace nsl joined.
--
--   json.encode(value)  -> text     any nsl result: listings, t:state(),
--                                   process results, error objects
--   json.decode(text)   -> value
--   json.plain(value)   -> a copy made of plain data (see below; an empty
--                          array in it is marked by json.array)
--   json.array(t)       -> t, marked so that it encodes as [] when empty
--   json.null           -> JSON null
--
-- Numbers keep their type both ways: a Lua integer is a JSON integer,
-- exact over the whole 64-bit range (123456789012345, 2^63 - 1, -2^63);
-- a float is written with a point or an exponent (2.0, 1e+300) in the
-- shortest form that reads back as the same float, and decodes as one.
-- decode refuses an integer outside -2^63 .. 2^63 - 1 ("too big
-- integer") and a real beyond a double's range: an error, never a
-- rounded value.  A string that is not UTF-8 is encoded with U+FFFD for
-- each stray byte (JSON text is Unicode).
--
-- nsl's values are not all plain data: listings carry a metatable
-- (__columns, for the pretty printer), error objects and handles have
-- methods, a process handle is userdata.  encode first copies the value
-- into plain tables: a function is dropped, userdata and tables with a
-- __tostring become their text, non-string keys of a non-sequence become
-- strings.  A sequence is a JSON array; so is an empty table marked by
-- json.array or by a __columns metatable (every listing primitive's
-- result); an unmarked empty table encodes as {}.
local core = require("nsl.core")

local M = { null = core._json_null }

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

local function plain(v, seen)
  local ty = type(v)
  if ty == "string" or ty == "boolean" or ty == "nil" then return v end
  if ty == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return tostring(v) end
    return v
  end
  if v == M.null then return v end
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
        if type(k) == "string" then out[k] = plain(x, seen) end
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
    out = arrayish and M.array() or {}
  elseif is_sequence(v) then
    out = {}
    for i = 1, #v do
      local x = plain(v[i], seen)
      if x == nil then x = M.null end
      out[i] = x
    end
  else
    out = {}
    for k, x in pairs(v) do
      local kt = type(k)
      if kt == "string" or kt == "number" or kt == "boolean" then
        out[tostring(k)] = plain(x, seen)
      end
    end
  end
  seen[v] = nil
  return out
end

function M.plain(v)
  return plain(v, {})
end

function M.encode(v)
  return core._json_encode(plain(v, {}))
end

function M.decode(text)
  if type(text) ~= "string" then
    error("nsl.json.decode: text must be a string, got " .. type(text), 2)
  end
  local ok, v = pcall(core._json_decode, text)
  if not ok then error(v, 2) end
  return v
end

return M
