-- Attempts to get the io library through require "io". Expect: require() "io": no built-in module
function process_message()
    local real_io = require "io"
    real_io.open(read_config("escape_path"), "w")
    return 0
end
