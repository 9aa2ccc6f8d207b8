-- Attempts an infinite loop of __concat metamethod calls. Expect: instruction_limit exceeded
function process_message()
    local c = setmetatable({}, {__concat = function(a) return a end})
    local s = c
    while true do s = s .. "x" end
end
