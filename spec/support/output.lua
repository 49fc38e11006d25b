-- busted output: the usual report (one line per test when not on a
-- terminal, so CI logs name every test), then the closing line
-- "N passed, N failed, N skipped" that CI reads.  Errors count as failed.
-- A skipped (pending) test says why on its own line:
--   [ SKIPPED  ] spec/x_spec.lua @ 12: ... (pending: no CONFIG_VLAN_8021Q) (0.20 ms)
return function(options)
  local busted = require "busted"
  local tty = require("term").isatty(io.stdout)
  local base = tty and "busted.outputHandlers.utfTerminal" or "busted.outputHandlers.gtest"
  local handler = require(base)(options)

  -- The reason given to pending(), by test; the test's name carries it
  -- from then on (the SKIPPED line and the closing list are written
  -- after the pending event).
  local reasons = setmetatable({}, { __mode = "k" })
  busted.subscribe({ "pending" }, function(element, _, message)
    if type(message) == "table" then message = message.message end
    -- without the position busted puts before it: the reason alone
    if message ~= nil and element then reasons[element] = tostring(message):gsub("^[^%s:]+:%d+: ", "") end
    return nil, true
  end)
  local full_name = handler.getFullName
  handler.getFullName = function(element)
    local name = full_name(element)
    local why = element and reasons[element]
    if why and why ~= "" then name = name .. " (pending: " .. why .. ")" end
    return name
  end

  busted.subscribe({ "suite", "end" }, function()
    io.stdout:write(string.format("%d passed, %d failed, %d skipped\n",
      handler.successesCount, handler.failuresCount + handler.errorsCount,
      handler.pendingsCount))
    io.stdout:flush()
    return nil, true
  end)
  return handler
end
