-- Attempts unbounded recursion through a __call metamethod that calls its table again (not a tail call). Expect: stack overflow
function process_message()
    local f
    f = setmetatable({}, {__call = function(self, n) return 1 + self(n + 1) end})
    return f(1)
end
