-- Attempts to pile up closures, each with its own upvalue, in a global table. Expect: memory_limit exceeded
fs = {}
function process_message()
    for i = 1, 1e9 do
        local x = i
        fs[i] = function() return x end
    end
    return 0
end
