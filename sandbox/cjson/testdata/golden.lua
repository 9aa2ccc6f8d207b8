-- Cases whose answers must be lua-cjson 2.1.0's. Run under C Lua 5.1 with
-- lua-cjson installed to make golden.txt:
--   lua5.1 testdata/golden.lua > testdata/golden.txt
-- TestGolden runs this file under gopher-lua with package cjson and compares
-- its output with golden.txt line by line. It leaves out what package cjson
-- does differently on purpose (integers beyond the precision written in full,
-- gopher-lua's wording of argument errors); cjson_test.go tests those.
local cjson = require "cjson"

local function num(n)
  if n ~= n then return "nan" end
  if n == 1/0 then return "inf" end
  if n == -1/0 then return "-inf" end
  if n == 0 and 1/n < 0 then return "-0" end
  return string.format("%.17g", n)
end

local function str(s)
  return '"' .. s:gsub("[^%w %.,:;_%-]", function(c)
    return string.format("\\x%02x", c:byte())
  end) .. '"'
end

local function dump(v)
  if v == cjson.null then return "null" end
  local t = type(v)
  if t == "number" then return num(v) end
  if t == "string" then return str(v) end
  if t ~= "table" then return tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) ~= type(b) then return type(a) == "number" end
    return a < b
  end)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = "[" .. dump(k) .. "]=" .. dump(v[k])
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function result(ok, ...)
  if not ok then return "error: " .. tostring((...)) end
  local out = {}
  for i = 1, select("#", ...) do out[i] = dump((select(i, ...))) end
  return table.concat(out, ", ")
end

local decodes = {
  '"test string"', '-5e3', 'null', 'true', 'false',
  '{ "1": "one", "3": "three" }', '[ "one", null, "three" ]',
  '{"a":{"b":[1,{"c":null}]}}', '{}', '[ ]', '{"a":1,"a":2}', '\t\n\r [ 1 ] \n',
  '[ 0.0, -1, 0.3e-3, 1023.2, 1E+2, -0 ]', '9007199254740992', '9007199254740993',
  '12345678901234567890', '[1e400, -1e400, 1e-400]', '2.2250738585072014e-308',
  '4.9e-324', '1.7976931348623157e308', '0.1', '123456789.123456789',
  '00123', '05.2', '0e10', '0x6', '-0x1F', '0X1f', '0x1.8p1', '0x.8', '0x1P-2', '0xg',
  '1.', '-.5', '.5', '[ +Inf, Inf, -Inf ]', '[ +Infinity, Infinity, -Infinity ]',
  '[ +NaN, NaN, -NaN ]', 'nan(x1)', 'infinit', 'INFINITY', '+1', '+', '+-1', '++1', '-+1',
  '"\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\"\\\\"', '"\\uF800"', '"a\\u0000b"',
  '"\1\255\127"', '[1]\0garbage', 'Infrared', 'Noodle', '', ' ', '{ "unexpected eof": ',
  '{ "extra data": true }, false', 'true false', ' { "bad escape \\q code" } ',
  ' { "bad unicode \\u0f6 escape" } ', ' [ "bad barewood", test ] ', '[ -+12 ]', '-', '-v',
  '[ 0.4eg10 ]', '1e', '1e+', '1e-5', '0x', '0x1p', '\f1', 'nul', 'tru', 'fals',
  '{"a" 1}', '{1:2}', '[1 2]', '{"a":1 "b":2}', '[1,]', '{"a":1,}', '{,}', '[,]', ':', ']',
  '"abc', '"a\0b"', '"a\\', '"\\uDB00\\uD800"', '"\\uDB00\\uDB00"', '"\\uDB00\\"',
  '"\\uDB00\\uD"', '"x\\uDC00"', '"\\u12"', '"\\uzzzz"', '\0"\0"', '"\0"\0', 'a', '\0',
  '[[[[[[[[[[1]]]]]]]]]]', '{"a":[{"b":{"c":[null,true,false,"x"]}}]}',
  '[1,[2,[3]],{"4":5}]', '  {  "k"  :  "v"  }  ', '"' .. string.rep("x", 300) .. '"',
  '[' .. string.rep('"\\n",', 50) .. '1]', '-0.0', '-0e-0', '1E400', '0.000001', '1e21',
  string.rep("[", 1000) .. string.rep("]", 1000), string.rep("[", 1001) .. string.rep("]", 1001),
  string.rep("{\"a\":", 1001) .. "1" .. string.rep("}", 1001),
}

local inf = 1/0
local encodes = {
  { "null", function() return cjson.null end },
  { "nil", function() return nil end },
  { "true", function() return true end },
  { "empty", function() return {} end },
  { "integers", function() return { 0, 10, -7, 99999999999999, 2^31, -2^31 } end },
  { "negative zero", function() return -0.0 end },
  { "fractions", function() return { 1.5, 0.1, 1/3, 1e-5, -1.5e-7, 1e300, 3.14159265358979, 123456.789, 2^-1074 } end },
  { "big fractions", function() return { 1e14 + 0.5, 12345678901234.5, 2^51 + 0.5 } end },
  { "nan", function() return 0/0 end },
  { "inf", function() return inf end },
  { "string", function() return "hello" end },
  { "control bytes", function() return "\0\1\8\9\10\11\12\13\31 \"\\/\127" end },
  { "high bytes", function() return "\195\169\255\128" end },
  { "all bytes", function()
      local b = {}
      for i = 0, 255 do b[#b + 1] = string.char(i) end
      return table.concat(b)
    end },
  { "array", function() return { 1, 2, 3 } end },
  { "hole", function() return { 1, nil, 3 } end },
  { "nested", function() return { a = { 1, { b = cjson.null } } } end },
  { "sparse within ratio", function() return { [3] = "x" } end },
  { "sparse at safe", function() return { [10] = "x" } end },
  { "excessively sparse", function() return { [1] = "one", [11] = "x" } end },
  { "fraction key", function() return { [1.5] = "x" } end },
  { "zero key", function() return { [0] = "z" } end },
  { "negative key", function() return { [-1] = "n" } end },
  { "numeric string key", function() return { ["2"] = "two" } end },
  { "infinite key", function() return { [inf] = 1 } end },
  { "boolean key", function() return { [false] = 1 } end },
  { "table key", function() return { [{}] = 1 } end },
  { "function", function() return print end },
  { "thread", function() return coroutine.create(function() end) end },
  { "cycle", function() local t = {} t[1] = t return t end },
  { "1000 deep", function() local t = {} for i = 2, 1000 do t = { t } end return t end },
  { "1001 deep", function() local t = {} for i = 2, 1001 do t = { t } end return t end },
}

local settings = {
  { "defaults", function()
      local c = cjson.new()
      local convert, ratio, safe = c.encode_sparse_array()
      return convert, ratio, safe, c.encode_max_depth(), c.decode_max_depth(),
        c.encode_number_precision(), c.encode_keep_buffer(), c.encode_invalid_numbers(),
        c.decode_invalid_numbers()
    end },
  { "sparse returned", function() return cjson.new().encode_sparse_array(true, 3) end },
  { "sparse convert", function()
      local c = cjson.new()
      c.encode_sparse_array(true)
      return c.encode({ [1] = "one", [11] = "x" })
    end },
  { "sparse 2 3", function()
      local c = cjson.new()
      c.encode_sparse_array(true, 2, 3)
      return c.encode({ [3] = "s" }), c.encode({ [1] = "one", [4] = "s" }), c.encode({ [5] = "s" })
    end },
  { "sparse ratio 0", function()
      local c = cjson.new()
      c.encode_sparse_array(false, 0)
      return c.encode({ [11] = "data" })
    end },
  { "encode max depth", function()
      local c = cjson.new()
      c.encode_max_depth(5)
      local nested5 = { { { { { "nested" } } } } }
      return c.encode(nested5), select(2, pcall(c.encode, { nested5 }))
    end },
  { "decode max depth", function()
      local c = cjson.new()
      c.decode_max_depth(2)
      return c.encode(c.decode("[[1]]")), select(2, pcall(c.decode, '[{"a":[1]}]'))
    end },
  { "precision", function()
      local c = cjson.new()
      c.encode_number_precision(3)
      return c.encode({ 3.14159, 1234.5, 0.000123456, 1e-300 })
    end },
  { "precision 1", function()
      local c = cjson.new()
      c.encode_number_precision(1)
      return c.encode({ 3.14159, 0.96, 2.5e10 + 0.5 })
    end },
  { "keep buffer", function()
      local c = cjson.new()
      return c.encode_keep_buffer(false), c.encode({ 1 }), c.encode_keep_buffer("on"), c.encode({ 2 })
    end },
  { "invalid numbers on", function()
      local c = cjson.new()
      return c.encode_invalid_numbers(true), c.encode({ 0/0, inf, -inf })
    end },
  { "invalid numbers null", function()
      local c = cjson.new()
      return c.encode_invalid_numbers("null"), c.encode({ 0/0, inf })
    end },
  { "invalid numbers off", function()
      local c = cjson.new()
      return c.encode_invalid_numbers("off"), select(2, pcall(c.encode, inf))
    end },
  { "invalid number key", function()
      local c = cjson.new()
      c.encode_invalid_numbers("on")
      return c.encode({ [-inf] = 1 })
    end },
  { "strict decode", function()
      local c = cjson.new()
      c.decode_invalid_numbers(false)
      local out = {}
      for _, s in ipairs({ "0x6", "01", "-01", "+1", "Inf", "-Inf", "NaN", "nan", "1.5", "-0",
          "0", "1.", "-", "-x", "0.5e", "00", "-0x", "1e5", "0e1" }) do
        local ok, v = pcall(c.decode, s)
        out[#out + 1] = ok and dump(v) or v
      end
      return table.concat(out, " | ")
    end },
  { "null identity", function()
      return cjson.decode("null") == cjson.null, cjson.decode("[null]")[1] == cjson.null,
        cjson.new().null == cjson.null, type(cjson.null)
    end },
  { "decode number argument", function() return cjson.decode(123) end },
}

local n = 0
local function emit(label, line)
  n = n + 1
  print(n .. " " .. label .. ": " .. line)
end

for _, s in ipairs(decodes) do
  emit("decode " .. str(s:sub(1, 40)), result(pcall(cjson.decode, s)))
end
for _, c in ipairs(encodes) do
  emit("encode " .. c[1], result(pcall(cjson.encode, c[2]())))
end
for _, c in ipairs(settings) do
  emit("setting " .. c[1], result(pcall(c[2])))
end
