-- Attempts a 6 MB string from one cjson.encode: a 1 MB string of control bytes, each escaped as \u0001. Expect: memory_limit exceeded
require "cjson"
function process_message()
    local s = cjson.encode(string.rep("\1", 1e6))
    return 0
end
