-- A filter without timer_event.
function process_message()
    return 0
end
