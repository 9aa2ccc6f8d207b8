-- Never returns from process_message: the instruction limit ends it.
function process_message()
    while true do end
end
