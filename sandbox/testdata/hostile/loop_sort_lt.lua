-- Attempts an infinite loop in the __lt metamethod that table.sort without a comparator uses. Expect: instruction_limit exceeded
function process_message()
    local mt = {__lt = function() while true do end end}
    local t = {}
    for i = 1, 10 do t[i] = setmetatable({}, mt) end
    table.sort(t)
    return 0
end
