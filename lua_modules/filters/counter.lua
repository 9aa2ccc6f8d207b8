-- Counts messages by the value of one field or header and reports the
-- counts on every timer_event, as one message:
--
--     Type    heka.sandbox.<summary_type>
--     Fields  one INTEGER field per value seen, named by the value, holding
--             how many messages had it since the last report
--
-- With count_by = "Fields[status]", three messages of status 200 and one of
-- 404 report Fields 200 = 3 and 404 = 1. A number is named as Lua writes
-- it (200, 1.5), a boolean true or false. Messages without the field are
-- counted under the name _missing. Once max_keys names are counted, the
-- messages of any new value are counted under _other, and a value longer
-- than max_key_length bytes is counted under its first max_key_length
-- bytes: so a field of unbounded values (a user id, a URL) can neither grow
-- the table until the sandbox's memory_limit stops the filter nor make a
-- report larger than its output_limit (with the defaults a report stays
-- under 10 KB, within Heka's 64 KiB).
--
-- Config:
--   count_by        what to count by, as read_message names it: a header
--                   (Type, Logger, Hostname, Severity, ...) or Fields[name];
--                   required
--   summary_type    the report's Type, after heka.sandbox.; default "counter"
--   max_keys        the most values counted by name; default 100
--   max_key_length  the longest name, in bytes; default 64
--   reset           false keeps counting across reports; default true
--
-- Needs ticker_interval > 0 for its reports. A report is sent on every
-- tick, also when nothing was counted (its Fields are then empty), and on
-- shutdown.

-- Configuration is kept in locals: preserved or not, a global would outlive
-- a change of the configuration.
local count_by = read_config("count_by")
if type(count_by) ~= "string" or count_by == "" then
    error("counter: config count_by: want the name of a header or Fields[name], got " .. tostring(count_by))
end
local summary_type = read_config("summary_type") or "counter"
local max_keys = read_config("max_keys") or 100
local max_key_length = read_config("max_key_length") or 64
local reset = read_config("reset") ~= false

local counts = {}
local keys = 0

function process_message()
    local value = read_message(count_by)
    local key
    if value == nil then
        key = "_missing"
    else
        key = tostring(value):sub(1, max_key_length)
    end
    local n = counts[key]
    if n == nil then
        if keys >= max_keys then
            key = "_other"
            n = counts[key]
        end
        if n == nil then
            keys = keys + 1
            n = 0
        end
    end
    counts[key] = n + 1
    return 0
end

function timer_event(ns)
    local fields = {}
    for key, n in pairs(counts) do
        fields[key] = {value = n, value_type = 2}
    end
    inject_message({Type = summary_type, Timestamp = ns, Fields = fields})
    if reset then
        counts = {}
        keys = 0
    end
end
