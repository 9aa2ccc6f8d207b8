-- Attempts to remove the instruction counter with debug.sethook. Expect: attempt to index a non-table object(nil) with key 'sethook'
function process_message()
    debug.sethook()
    while true do end
end
