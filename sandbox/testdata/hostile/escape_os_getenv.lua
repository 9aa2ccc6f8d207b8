-- Attempts to read the daemon's environment with os.getenv and leak it in the error. Expect: attempt to call a non-function object
function process_message()
    return -1, "leaked " .. tostring(os.getenv(read_config("secret_name")))
end
