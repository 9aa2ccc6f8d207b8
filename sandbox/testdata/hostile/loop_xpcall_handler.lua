-- Attempts an infinite loop inside xpcall's error handler, where C Lua runs no hook. Expect: instruction_limit exceeded
function process_message()
    xpcall(function() error("first") end, function() while true do end end)
    return 0
end
