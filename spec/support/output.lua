-- busted output: the usual report (one line per test when not on a
-- terminal, so CI logs name every test), then the closing line
-- "N passed, N failed, N skipped" that CI reads.  Errors count as failed.
return function(options)
  local busted = require "busted"
  local tty = require("term").isatty(io.stdout)
  local base = tty and "busted.outputHandlers.utfTerminal" or "busted.outputHandlers.gtest"
  local handler = require(base)(options)

  busted.subscribe({ "suite", "end" }, function()
    io.stdout:write(string.format("%d passed, %d failed, %d skipped\n",
      handler.successesCount, handler.failuresCount + handler.errorsCount,
      handler.pendingsCount))
    io.stdout:flush()
    return nil, true
  end)
  return handler
end
