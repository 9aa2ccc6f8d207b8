-- Attempts to flood the plugin's log with megabyte print lines. Expect: instruction_limit exceeded
function process_message()
    local s = string.rep("x", 1e6)
    for _ = 1, 1e9 do print(s, s, s) end
    return 0
end
