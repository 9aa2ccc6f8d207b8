-- Reports with a function of a module from module_directory and the
-- values of its config.
local greet = require("greet")

function process_message()
    return 0
end

function timer_event(ns)
    local tags = read_config("tags")
    inject_message({
        Type = "greeting",
        Payload = greet.hello(read_config("who")),
        Fields = {
            n = {value = read_config("n"), value_type = 2},
            ratio = read_config("ratio"),
            on = read_config("on"),
            tags = tags,
            nested = read_config("nested").key,
            since = read_config("since"),
        },
    })
end
