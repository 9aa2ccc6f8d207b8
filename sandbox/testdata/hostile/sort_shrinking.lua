-- Attempts to crash table.sort, which sorts a Go slice, with a comparator that empties the table being sorted; the script then raises its own error to show it survived. Expect: sorted, survived
function process_message()
    local t = {}
    for i = 1, 50 do t[i] = 51 - i end
    table.sort(t, function(a, b)
        t[#t] = nil
        return (a or 0) < (b or 0)
    end)
    error("sorted, survived")
end
