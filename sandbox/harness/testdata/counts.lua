-- Counts messages by their status field and reports the counts, one field
-- per status, on timer_event.
local prefix = read_config("prefix") or "s_"
counts = {}

function process_message()
    local status = read_message("Fields[status]")
    if status == nil then
        return -1, "no status field"
    end
    local k = prefix .. string.format("%d", status)
    counts[k] = (counts[k] or 0) + 1
    return 0
end

function timer_event(ns)
    local fields = {}
    local n = 0
    for k, v in pairs(counts) do
        fields[k] = v
        n = n + v
    end
    print("reporting", n, "messages")
    inject_message({Type = "summary", Timestamp = ns, Payload = "total " .. n,
                    Fields = fields})
end
