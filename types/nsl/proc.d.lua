---@meta
-- LuaCATS definitions: nsl.core's processes: ns_exec, spawn, pid_exec.

---@param name string
---@param cmd nsl.Cmd
---@param opts? nsl.ExecOpts
---@return nsl.Result|nsl.Process
function ns_exec(name, cmd, opts) end
---@param cmd nsl.Cmd
---@param opts? nsl.ExecOpts
---@return nsl.Result|nsl.Process
function spawn(cmd, opts) end
---@param pid integer
---@param cmd nsl.Cmd
---@param opts? nsl.ExecOpts
---@return nsl.Result|nsl.Process
function pid_exec(pid, cmd, opts) end
