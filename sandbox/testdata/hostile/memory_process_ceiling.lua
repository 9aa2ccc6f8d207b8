-- Attempts to take the process heap past the watchdog's ceiling with 300 MB of strings that live only as the varargs of active frames; the ceiling must end this call and no other. Expect: memory_limit exceeded
function process_message()
    local big = string.rep("x", 1e6)
    local function hold(depth, ...)
        if depth == 0 then
            while true do end
        end
        return (hold(depth - 1, big .. depth, big .. -depth))
    end
    hold(150)
    return 0
end
