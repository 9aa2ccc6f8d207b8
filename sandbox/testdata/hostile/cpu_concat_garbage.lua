-- Attempts to burn CPU and churn the Go heap: a 1 MB string concatenated in a loop, a megabyte of garbage per instruction. Expect: instruction_limit exceeded
-- Stopped by: the call time limit
function process_message()
    local s = string.rep("a", 1e6)
    for _ = 1, 1e9 do local t = s .. "b" end
    return 0
end
