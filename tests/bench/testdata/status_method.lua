-- Counts messages by Fields[status] and by Fields[method], as W1's filter
-- does, and on every timer_event injects the counts as one line:
--
--     total 2025 | status 200=760 404=1265 | method GET=2025
--
-- statuses and methods in ascending order. The benchmarks of tests/bench
-- run it as the Lua aggregating filter and read that line to check that it
-- saw every message.

local total = 0
local by_status = {}
local by_method = {}

function process_message()
    local status = read_message("Fields[status]")
    local method = read_message("Fields[method]")
    total = total + 1
    if status then
        by_status[status] = (by_status[status] or 0) + 1
    end
    if method then
        by_method[method] = (by_method[method] or 0) + 1
    end
    return 0
end

-- counts returns "k=v k=v" for the table t, keys in ascending order.
local function counts(t)
    local keys = {}
    for k in pairs(t) do
        keys[#keys + 1] = k
    end
    table.sort(keys)
    local parts = {}
    for i, k in ipairs(keys) do
        parts[i] = k .. "=" .. t[k]
    end
    return table.concat(parts, " ")
end

function timer_event()
    inject_payload("txt", "status_method", string.format("total %d | status %s | method %s",
        total, counts(by_status), counts(by_method)))
end
