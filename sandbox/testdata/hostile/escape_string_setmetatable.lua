-- Attempts to give strings a new metatable with setmetatable(""). Expect: bad argument #1 to setmetatable (table expected, got string)
function process_message()
    setmetatable("", {__index = function() return 0 end})
    return 0
end
