-- nsl.topo.keys: the checks every part of a description shares: raising
-- "topology: ..." errors, unknown keys with the closest known one
-- suggested, sorted names.
local M = {}

function M.fail(fmt, ...)
  error("topology: " .. string.format(fmt, ...), 0)
end

-- Edit distance, for "did you mean".
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

-- suggest(word, known [, most]): " (did you mean 'k'?)" for the known
-- word closest to word, when at most `most` edits away (default: 2, or a
-- third of word's length), else "".
function M.suggest(word, known, most)
  local best, bd
  for _, k in ipairs(known) do
    local d = distance(word:lower(), k)
    if not bd or d < bd then best, bd = k, d end
  end
  if best and bd <= (most or math.max(2, #word // 3)) then
    return " (did you mean '" .. best .. "'?)"
  end
  return ""
end

-- Fails on a key of t that is not one of known (array keys 1..n allowed
-- when positional is n).
function M.check_keys(t, known, where, positional)
  local names = {}
  for k in pairs(known) do names[#names + 1] = k end
  table.sort(names)
  for k in pairs(t) do
    if math.type(k) == "integer" and positional and k >= 1 and k <= positional then
      -- positional field
    elseif type(k) ~= "string" then
      M.fail("unexpected entry [%s] in %s", tostring(k), where)
    elseif not known[k] then
      M.fail("unknown key '%s' in %s%s", k, where, M.suggest(k, names))
    end
  end
end

-- closest_node(t, name): " (did you mean 'alpha'?)" for a name that is
-- no node of topology t, or "".
function M.closest_node(t, name)
  if type(name) ~= "string" then return "" end
  local names = { "host" }
  for k in pairs(t.model.nodes) do names[#names + 1] = k end
  table.sort(names)
  -- names are short: "zz" is no misspelling of "c"
  return M.suggest(name, names, math.min(#name - 1, #name // 3 + 1))
end

function M.set(...)
  local s = {}
  for _, k in ipairs({ ... }) do s[k] = true end
  return s
end

function M.sorted(t, where)
  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" then
      M.fail("%sunexpected entry [%s]: give each entry a name", where and (where .. ": ") or "", tostring(k))
    end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  return keys
end

return M
