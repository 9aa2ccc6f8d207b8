-- Counts messages since first start; with preserve_data the total goes on
-- across restarts.
_PRESERVATION_VERSION = 1
total = 0

function process_message()
    total = total + 1
    return 0
end

function timer_event(ns)
    inject_payload("txt", "total", total)
end
