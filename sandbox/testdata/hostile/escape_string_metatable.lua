-- Attempts to change how every string indexes through getmetatable("").__index. Expect: attempt to index a non-table object(boolean) with key '__index'
function process_message()
    getmetatable("").__index = function() return os.execute end
    return 0
end
