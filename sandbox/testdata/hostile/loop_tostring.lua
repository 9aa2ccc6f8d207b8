-- Attempts an infinite loop inside __tostring, which print calls from Go. Expect: instruction_limit exceeded
function process_message()
    print(setmetatable({}, {__tostring = function() while true do end end}))
    return 0
end
