-- Decodes an nginx access log line in the "combined" format, the Payload of
-- the input message:
--
--     $remote_addr - $remote_user [$time_local] "$request" $status
--     $body_bytes_sent "$http_referer" "$http_user_agent"
--
-- into one message:
--
--     Type       nginx.access
--     Timestamp  $time_local (10/Oct/2000:13:55:36 -0700), to the second
--     Payload    the line
--     Fields     remote_addr, remote_user      STRING
--                method, path, protocol        STRING, from "$request"
--                status, body_bytes_sent       INTEGER
--                referer, user_agent           STRING
--
-- Values are kept as nginx wrote them, "-" included, except a
-- body_bytes_sent of "-", which is 0 (Apache's combined format writes it so
-- for an empty body; nginx never does). A request of
-- HTTP/0.9, "METHOD path", has an empty protocol; one that is neither that
-- nor "METHOD path PROTOCOL" (what scanners send, or "-") gives a STRING
-- field request holding it instead of method, path and protocol. A line of nginx's "main" format, which adds
-- "$http_x_forwarded_for", decodes too, with a STRING field
-- x_forwarded_for. Whitespace at the end of the line (a "\r") is ignored.
--
-- A line that does not match fails with status -1 and "no match"; one whose
-- time_local is not a valid date and time fails with "bad time_local: ...",
-- and one whose body_bytes_sent is 2^53 or more (a Lua number would round
-- it) with "body_bytes_sent out of range: ...".
--
-- Headers the script does not set (Uuid, Logger, Hostname, Severity, Pid)
-- are copied from the input message, as in every decoder: Logger is the
-- input's file or stream name. Takes no config.

local line_pattern = '^(%S+) %- (%S+) %[([^%]]+)%] "([^"]*)" (%d%d%d) ([%d-]%d*) "([^"]*)" "([^"]*)"()'
local time_pattern = "^(%d%d)/(%a%a%a)/(%d%d%d%d):(%d%d):(%d%d):(%d%d) ([-+])(%d%d)(%d%d)$"

local months = {
    Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
    Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12,
}
local month_days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

-- Lua numbers are doubles: a count from 2^53 on would not be exact.
local max_exact = 2 ^ 53

local floor = math.floor

-- days_from_civil returns the days from 1970-01-01 to the date, in the
-- proleptic Gregorian calendar (the os.time of the sandbox is not used: it
-- reads its table at noon and goes through a Go time for every line).
local function days_from_civil(y, m, d)
    if m <= 2 then
        y = y - 1
    end
    local era = floor(y / 400)
    local yoe = y - era * 400
    local doy = floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1
    local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
    return era * 146097 + doe - 719468
end

-- timestamp returns time_local in ns since the epoch, or nil.
local function timestamp(s)
    local d, mon, y, h, mi, sec, sign, oh, om = s:match(time_pattern)
    local m = months[mon]
    if not m then
        return nil
    end
    d, y, h, mi, sec, oh, om = tonumber(d), tonumber(y), tonumber(h), tonumber(mi), tonumber(sec), tonumber(oh), tonumber(om)
    local last = month_days[m]
    if m == 2 and y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0) then
        last = 29
    end
    if d < 1 or d > last or h > 23 or mi > 59 or sec > 59 or oh > 23 or om > 59 then
        return nil
    end
    local offset = oh * 3600 + om * 60
    if sign == "-" then
        offset = -offset
    end
    return ((days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + sec) - offset) * 1e9
end

function process_message()
    local line = read_message("Payload")
    local addr, user, time_local, request, status, bytes, referer, agent, rest = line:match(line_pattern)
    if not addr then
        return -1, "no match"
    end
    local xff
    if not line:find("^%s*$", rest) then
        xff = line:match('^ "([^"]*)"%s*$', rest)
        if not xff then
            return -1, "no match"
        end
    end
    local ns = timestamp(time_local)
    if not ns then
        return -1, "bad time_local: " .. time_local
    end
    local n_bytes = tonumber(bytes)
    if bytes == "-" then
        n_bytes = 0
    elseif not n_bytes or n_bytes < 0 then
        return -1, "no match"
    elseif n_bytes >= max_exact then
        return -1, "body_bytes_sent out of range: " .. bytes
    end

    local fields = {
        {name = "remote_addr", value = addr},
        {name = "remote_user", value = user},
    }
    local method, path, protocol = request:match("^(%u+) (%S+) (HTTP/%d+%.%d+)$")
    if not method then
        method, path = request:match("^(%u+) (%S+)$")
        protocol = ""
    end
    if method then
        fields[#fields + 1] = {name = "method", value = method}
        fields[#fields + 1] = {name = "path", value = path}
        fields[#fields + 1] = {name = "protocol", value = protocol}
    else
        fields[#fields + 1] = {name = "request", value = request}
    end
    fields[#fields + 1] = {name = "status", value = tonumber(status), value_type = 2}
    fields[#fields + 1] = {name = "body_bytes_sent", value = n_bytes, value_type = 2}
    fields[#fields + 1] = {name = "referer", value = referer}
    fields[#fields + 1] = {name = "user_agent", value = agent}
    if xff then
        fields[#fields + 1] = {name = "x_forwarded_for", value = xff}
    end
    inject_message({Type = "nginx.access", Timestamp = ns, Payload = line, Fields = fields})
    return 0
end
