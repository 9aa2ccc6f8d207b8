-- Attempts a Go runtime panic inside the VM (nested xpcall whose handler calls xpcall again dereferences nil in gopher-lua) and catches it to go on with a state Go left half-updated; a Go panic must end the sandbox. Expect: /runtime error|stack overflow/
function process_message()
    local h
    h = function(e)
        local _, e2 = xpcall(error, h)
        return e2
    end
    local _, e = xpcall(error, h)
    return -1, tostring(e)
end
