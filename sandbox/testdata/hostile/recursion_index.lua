-- Attempts unbounded recursion through an __index metamethod that indexes its own table. Expect: stack overflow
function process_message()
    local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end})
    return t[1]
end
