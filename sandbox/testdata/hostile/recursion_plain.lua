-- Attempts unbounded recursion of a Lua function. Expect: stack overflow
function process_message()
    local function f(n) return 1 + f(n + 1) end
    return f(1)
end
