-- Decodes lines of key=value pairs, the Payload of each input message, into
-- typed fields of one message:
--
--     key=value key2="quoted value" n=12 x=1.5
--
-- becomes the STRING fields key and key2, the INTEGER field n (value_type
-- 2) and the DOUBLE field x. A bare value is an INTEGER when it is written
-- as one (an optional sign and digits) and a Lua number holds it exactly
-- (below 2^53 in magnitude; a larger one stays a STRING, so that no digit
-- is lost), a DOUBLE when it is a decimal number with a point or an
-- exponent, and a STRING otherwise. A quoted value is always a STRING;
-- inside it \" is a quote, \\ a backslash, and any other backslash is kept
-- as it is. A key starts with a letter or _ and goes on with letters,
-- digits, _, . and -; a key that repeats makes another field of that name,
-- in order.
--
-- A line that is empty or holds something other than key=value pairs fails
-- with status -1 and an error saying what and where (columns count from 1).
--
-- Config:
--   type          the Type of the decoded message; default: the input's Type
--   keep_payload  false drops the line from the decoded message; default true
--
-- Headers the script does not set (Uuid, Timestamp, Hostname, Logger,
-- Severity, Pid, and Type unless configured) are copied from the input
-- message, as in every decoder.

-- Configuration is kept in locals: preserved or not, a global would outlive
-- a change of the configuration.
local msg_type = read_config("type")
local keep_payload = read_config("keep_payload") ~= false

-- Lua numbers are doubles: an integer below 2^53 in magnitude is exact, and
-- one that is not reads as a double of at least 2^53.
local max_exact = 2 ^ 53

-- typed returns a bare value as a number with its value_type, or the text.
-- Its patterns have no two repetitions that could share characters, so
-- that they take time in proportion to the value: "%d*%.?%d*e" on a long run
-- of digits backtracks quadratically, and one 2 KB line would exhaust the
-- instruction limit and terminate the decoder.
local function typed(raw)
    if raw:find("^[-+]?%d+$") then
        local n = tonumber(raw)
        if n and n > -max_exact and n < max_exact then
            return n, 2
        end
        return raw, 0
    end
    -- The first %d* takes every leading digit, so the second part starts
    -- with the point or is empty, and (.*)$ never fails: no backtracking.
    local sign, int, frac, exponent = raw:match("^([-+]?)(%d*)(%.?%d*)(.*)$")
    if (int ~= "" or #frac > 1) and (exponent == "" or exponent:find("^[eE][-+]?%d+$")) then
        -- gopher-lua's tonumber reads a string without a point as an
        -- integer only ("1e2" gives nil): the point keeps it a decimal.
        if frac == "" then
            frac = "."
        end
        local n = tonumber(sign .. int .. frac .. exponent)
        if n then
            return n, 3
        end
    end
    return raw, 0
end

-- quoted reads the quoted value whose opening quote is at q; it returns
-- the value and the position after the closing quote.
local function quoted(line, key, q)
    local parts = {}
    local i = q + 1
    while true do
        local s = line:find('["\\]', i)
        if not s then
            return nil, string.format("column %d: the quoted value of %s has no closing quote", q, key)
        end
        parts[#parts + 1] = line:sub(i, s - 1)
        if line:byte(s) == 34 then -- the closing "
            return table.concat(parts), s + 1
        end
        local c = line:sub(s + 1, s + 1)
        if c == '"' or c == "\\" then
            parts[#parts + 1] = c
        else
            parts[#parts + 1] = "\\" .. c
        end
        i = s + 2
    end
end

-- decode returns the fields of line in inject_message's array form, or nil
-- and an error.
local function decode(line)
    local fields = {}
    local pos = 1
    while true do
        local start = line:find("%S", pos)
        if not start then
            break
        end
        local key, after = line:match("^([%a_][%w_.%-]*)=()", start)
        if not key then
            return nil, string.format("column %d: %q is not key=value", start, line:match("^%S+", start))
        end
        local value, value_type
        if line:byte(after) == 34 then -- an opening "
            value, pos = quoted(line, key, after)
            if not value then
                return nil, pos
            end
            if pos <= #line and not line:find("^%s", pos) then
                return nil, string.format("column %d: the quoted value of %s is followed by %q",
                    pos, key, line:match("^%S+", pos))
            end
            value_type = 0
        else
            local raw = line:match("^%S*", after)
            pos = after + #raw
            value, value_type = typed(raw)
        end
        fields[#fields + 1] = {name = key, value = value, value_type = value_type}
    end
    if #fields == 0 then
        return nil, "empty line: no key=value pairs"
    end
    return fields
end

function process_message()
    local line = read_message("Payload")
    local fields, err = decode(line)
    if not fields then
        return -1, err
    end
    local msg = {Type = msg_type, Fields = fields}
    if keep_payload then
        msg.Payload = line
    end
    inject_message(msg)
    return 0
end
