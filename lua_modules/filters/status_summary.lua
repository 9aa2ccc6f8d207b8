-- Counts requests by HTTP status (Fields[status], as decoders/nginx_access.lua
-- writes it) and, on every timer_event, injects a one-line summary for a
-- person watching a terminal:
--
--     requests 405 +45 4.5/s | 2xx 361 +40 | 3xx 12 +1 | 4xx 30 +4 | 5xx 2 +0 | top: 200=350 404=25 304=12
--
-- Each count is since the filter started, followed by +N, the messages
-- since the previous summary; the rate is those of the requests per second
-- since the previous summary (the first summary has none: there is no
-- previous one). The classes 2xx to 5xx are always shown; 1xx and other
-- (no status, or one that is not a whole number from 100 to 599) only once
-- they have a count. top lists the most frequent statuses since the start,
-- most frequent first (equal counts: lower status first). A status may
-- also be a string of digits. The counts are never reset, and since they
-- are kept in locals, preserve_data does not keep them across restarts.
--
-- The summary is a payload: Type heka.sandbox-output, Fields payload_type
-- "txt" and payload_name "status_summary".
--
-- Config:
--   top   how many statuses to list after top:, 0 for none; default 5
--
-- Needs ticker_interval > 0 for its summaries; it also sends one on shutdown.

local top = read_config("top")
if top == nil then
    top = 5
end
if type(top) ~= "number" or top < 0 or top ~= math.floor(top) then
    error(string.format("status_summary: config top: want a whole number of 0 or more, got %s %s", type(top), tostring(top)))
end

local floor = math.floor

local total, prev_total = 0, 0
-- counts and prev_counts are indexed 1 to 5 for the classes 1xx to 5xx,
-- and 6 for the requests without a valid status.
local counts = {0, 0, 0, 0, 0, 0}
local prev_counts = {0, 0, 0, 0, 0, 0}
local other = 6
local by_status = {}
local prev_ns

function process_message()
    local status = tonumber(read_message("Fields[status]"))
    total = total + 1
    if status and status >= 100 and status <= 599 and status == floor(status) then
        local class = floor(status / 100)
        counts[class] = counts[class] + 1
        by_status[status] = (by_status[status] or 0) + 1
    else
        counts[other] = counts[other] + 1
    end
    return 0
end

-- top_statuses returns "200=350 404=25" for the n most frequent statuses.
local function top_statuses(n)
    local list = {}
    for status, count in pairs(by_status) do
        list[#list + 1] = {status, count}
    end
    table.sort(list, function(a, b)
        if a[2] ~= b[2] then
            return a[2] > b[2]
        end
        return a[1] < b[1]
    end)
    local parts = {}
    for i = 1, math.min(n, #list) do
        parts[i] = string.format("%d=%d", list[i][1], list[i][2])
    end
    return table.concat(parts, " ")
end

function timer_event(ns)
    local head = string.format("requests %d +%d", total, total - prev_total)
    if prev_ns and ns > prev_ns then
        head = head .. string.format(" %.1f/s", (total - prev_total) / ((ns - prev_ns) / 1e9))
    end
    local parts = {head}
    for class = 1, 6 do
        if class > 1 and class < other or counts[class] > 0 then
            local name = class == other and "other" or class .. "xx"
            parts[#parts + 1] = string.format("%s %d +%d", name, counts[class], counts[class] - prev_counts[class])
        end
        prev_counts[class] = counts[class]
    end
    if top > 0 and next(by_status) then
        parts[#parts + 1] = "top: " .. top_statuses(top)
    end
    inject_payload("txt", "status_summary", table.concat(parts, " | "))
    prev_total, prev_ns = total, ns
end
