-- Attempts to run code in a coroutine, which gets a context of its own, with coroutine.wrap. Expect: attempt to index a non-table object(nil) with key 'wrap'
function process_message()
    local f = coroutine.wrap(function() while true do end end)
    f()
    return 0
end
