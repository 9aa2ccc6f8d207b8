-- Attempts an infinite loop hidden in a metatable on _G, run by the first read of an undefined global. Expect: instruction_limit exceeded
function process_message()
    setmetatable(_G, {__index = function() while true do end end})
    return undefined_global
end
