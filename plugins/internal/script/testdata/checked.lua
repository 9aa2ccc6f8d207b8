-- Runs at load only if the module directory and every kind of config value
-- reached it as the options said; a decoder or a filter may run it.
local words = require("words")

local function want(cond, what)
    if not cond then error("config: " .. what, 0) end
end

local nested = read_config("nested")
want(words.join(read_config("list")) == "a b", "list")
want(read_config("when") == "2026-11-28T10:00:00Z", "when")
want(nested and nested.inner and nested.inner.deep == 1.5, "nested.inner.deep")
want(read_config("rows") and read_config("rows")[2].k == true, "rows[2].k")

function process_message()
    return 0
end
