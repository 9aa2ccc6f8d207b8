-- Counts messages; a message of Type "bad" fails (status -1). On every
-- tick it injects the count since the last tick and the total.
local since_tick = 0
local limit = read_config("fail_type") or "bad"

function process_message()
    if read_message("Type") == limit then
        return -1, "bad message"
    end
    since_tick = since_tick + 1
    return 0
end

function timer_event(ns, shutdown)
    inject_message({
        Type = "count",
        Payload = tostring(since_tick),
        Fields = {
            count = {value = since_tick, value_type = 2},
            shutdown = shutdown == true,
        },
    })
    since_tick = 0
end
