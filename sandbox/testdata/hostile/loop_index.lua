-- Attempts an infinite loop of __index metamethod calls. Expect: instruction_limit exceeded
function process_message()
    local t = setmetatable({}, {__index = function(_, k) return k end})
    local i = 0
    while true do i = t[i] + 1 end
end
