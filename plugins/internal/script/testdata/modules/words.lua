local M = {}

function M.join(list)
    return table.concat(list, " ")
end

return M
