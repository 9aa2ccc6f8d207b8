-- Attempts to get the full os library back through require "os". Expect: attempt to call a non-function object
function process_message()
    local real_os = require "os"
    real_os.execute("touch " .. read_config("escape_path"))
    return 0
end
