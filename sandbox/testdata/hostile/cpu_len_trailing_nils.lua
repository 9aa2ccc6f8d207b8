-- Attempts linear work per instruction: # on a table whose array part holds 100,000 slots of which only the first is set, which gopher-lua answers by scanning back over the nils. Expect: instruction_limit exceeded
function process_message()
    local t = {1}
    t[100000] = 1
    t[100000] = nil
    for _ = 1, 1e9 do local n = #t end
    return 0
end
