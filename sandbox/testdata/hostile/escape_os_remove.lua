-- Attempts to delete a file with os.remove. Expect: attempt to call a non-function object
function process_message()
    os.remove(read_config("victim_path"))
    return 0
end
