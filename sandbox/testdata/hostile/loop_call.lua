-- Attempts an infinite loop of __call metamethod calls on a table. Expect: instruction_limit exceeded
function process_message()
    local f = setmetatable({}, {__call = function(_, n) return n + 1 end})
    local n = 0
    while true do n = f(n) end
end
