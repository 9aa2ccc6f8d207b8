-- Attempts to keep 200 MB, a hundred times the memory limit, in a global table of strings made by .., each concatenation one instruction allocating a megabyte. Expect: memory_limit exceeded
function process_message()
    local big = string.rep("x", 1e6)
    keep = {}
    for i = 1, 200 do keep[i] = big .. i end
    return 0
end
