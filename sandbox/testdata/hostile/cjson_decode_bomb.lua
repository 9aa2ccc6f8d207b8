-- Attempts a table of 400,000 numbers from one cjson.decode of 800 KB of JSON, within the memory limit as text. Expect: memory_limit exceeded
require "cjson"
function process_message()
    big = cjson.decode("[" .. string.rep("1,", 4e5) .. "1]")
    return 0
end
