-- Attempts to burn CPU in Go: string.upper of a 1 MB string in a loop, each call one instruction but a megabyte of work. Expect: instruction_limit exceeded
function process_message()
    local s = string.rep("a", 1e6)
    for _ = 1, 1e9 do s:upper() end
    return 0
end
