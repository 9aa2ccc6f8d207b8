-- Attempts to flood the plugin's log with print; the rate limit lets a burst through and drops the rest. Expect: instruction_limit exceeded
function process_message()
    for i = 1, 1e9 do print("flood", i) end
    return 0
end
