-- Attempts endless recursion in Go: cjson.encode of a table that contains itself. Expect: Cannot serialise, excessive nesting
require "cjson"
function process_message()
    local t = {}
    t[1] = t
    local s = cjson.encode(t)
    return 0
end
