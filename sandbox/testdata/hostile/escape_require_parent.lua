-- Attempts to require a module from the parent of the module directory with "../x". Expect: require() module name "../x"
function process_message()
    local x = require "../x"
    return -1, "loaded " .. tostring(x)
end
