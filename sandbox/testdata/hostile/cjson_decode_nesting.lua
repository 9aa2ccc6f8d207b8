-- Attempts deep recursion in Go: cjson.decode of 100,000 nested arrays. Expect: Found too many nested data structures
require "cjson"
function process_message()
    local t = cjson.decode(string.rep("[", 1e5) .. string.rep("]", 1e5))
    return 0
end
