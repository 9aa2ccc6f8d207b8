-- Attempts an infinite loop of __newindex metamethod calls that store nothing. Expect: instruction_limit exceeded
function process_message()
    local t = setmetatable({}, {__newindex = function() end})
    local i = 0
    while true do t[i] = i; i = i + 1 end
end
