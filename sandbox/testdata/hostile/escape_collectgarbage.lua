-- Attempts to drive the collector with collectgarbage. Expect: attempt to call a non-function object
function process_message()
    collectgarbage("stop")
    return 0
end
