-- Counts messages in a global that preserve_data keeps across restarts.
total = 0

function process_message()
    total = total + 1
    return 0
end

function timer_event(ns)
    inject_message({Type = "total", Fields = {total = total}})
end
