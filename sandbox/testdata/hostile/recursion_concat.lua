-- Attempts unbounded recursion through a __concat metamethod that concatenates again. Expect: stack overflow
function process_message()
    local c
    c = setmetatable({}, {__concat = function(a, b) return c .. b end})
    local s = c .. "x"
    return 0
end
