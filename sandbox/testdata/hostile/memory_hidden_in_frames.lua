-- Attempts to hold 100 MB, 50 times the memory limit, in strings that live only as the varargs of active frames (no named local holds them, and no frame expands them). Expect: memory_limit exceeded
function process_message()
    local big = string.rep("x", 1e6)
    local function hold(depth, ...)
        if depth == 0 then
            while true do end
        end
        return (hold(depth - 1, big .. depth))
    end
    hold(100)
    return 0
end
