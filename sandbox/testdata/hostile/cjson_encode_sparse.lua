-- Attempts a billion nulls in one Go call: cjson.encode of an array whose only element is at index 1e9. Expect: excessively sparse array
require "cjson"
function process_message()
    local s = cjson.encode({[1e9] = 1})
    return 0
end
