-- A typical filter: counts messages by Type and reports on timer_event.
counts = {}
local total = 0

function process_message()
    local t = read_message("Type")
    counts[t] = (counts[t] or 0) + 1
    total = total + 1
    return 0
end

function timer_event(ns)
    inject_message({Type = "counts", Timestamp = ns, Fields = {total = {value = total, value_type = 2}}})
end
