-- Attempts an infinite loop inside a string.gsub function callback, called from Go. Expect: instruction_limit exceeded
function process_message()
    local s = string.rep("a", 1000)
    s:gsub(".", function() while true do end end)
    return 0
end
