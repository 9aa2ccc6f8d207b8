-- Attempts to run a shell command that creates a file with os.execute; os has only time, date and clock. Expect: attempt to call a non-function object
function process_message()
    os.execute("touch " .. read_config("escape_path"))
    return 0
end
