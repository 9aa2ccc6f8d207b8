-- Counts every message and the bytes of their payloads since the filter
-- was first started, across restarts: with preserve_data = true the
-- sandbox saves the globals below when the daemon stops and restores them
-- when it starts again, so the totals go on where they were. On every
-- timer_event it reports them as one message:
--
--     Type    heka.sandbox.totals
--     Fields  messages       INTEGER, messages counted
--             payload_bytes  INTEGER (representation B), bytes of their payloads
--             first_seen     INTEGER (representation ns), the Timestamp of the
--                            first message counted; absent until there is one.
--                            Lua numbers are doubles: a timestamp of today is
--                            exact to 256 ns, and whole seconds exactly.
--
-- The saved totals carry _PRESERVATION_VERSION: a version of this script
-- that changes their meaning raises it, and the sandbox then starts clean
-- instead of restoring totals of another meaning.
--
-- Needs ticker_interval > 0 for its reports; it takes no config.

_PRESERVATION_VERSION = 1

-- The preserved state: globals holding numbers only.
messages = 0
payload_bytes = 0
first_seen = nil

function process_message()
    messages = messages + 1
    payload_bytes = payload_bytes + #read_message("Payload")
    if first_seen == nil then
        first_seen = read_message("Timestamp")
    end
    return 0
end

function timer_event(ns)
    local fields = {
        messages = {value = messages, value_type = 2},
        payload_bytes = {value = payload_bytes, value_type = 2, representation = "B"},
    }
    if first_seen ~= nil then
        fields.first_seen = {value = first_seen, value_type = 2, representation = "ns"}
    end
    inject_message({Type = "totals", Timestamp = ns, Fields = fields})
end
