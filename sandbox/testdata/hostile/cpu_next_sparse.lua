-- Attempts linear work per call: next(t) on a table whose array part holds 100,000 slots of which only the last is set, which gopher-lua answers by skipping every nil. Expect: instruction_limit exceeded
function process_message()
    local t = {}
    t[100000] = 1
    for _ = 1, 1e9 do local k = next(t) end
    return 0
end
