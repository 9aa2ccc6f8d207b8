-- Attempts unbounded recursion through Go: a table.sort comparator that sorts again. Expect: stack overflow
function process_message()
    local t = {3, 2, 1}
    local function less(a, b)
        table.sort({3, 2, 1}, less)
        return a < b
    end
    table.sort(t, less)
    return 0
end
