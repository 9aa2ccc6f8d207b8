-- Numbers, the part of lua-cjson most bound to C (strtod, printf "%.14g"):
-- random number-like tokens decoded, and random doubles of every magnitude
-- encoded at every precision, made with an LCG so that C Lua and gopher-lua
-- draw the same ones. Run under C Lua 5.1 with lua-cjson to make numbers.txt:
--   lua5.1 testdata/numbers.lua > testdata/numbers.txt
-- Integers up to 2^53 are left out of the encodes: package cjson writes them
-- in full on purpose.
local cjson = require "cjson"
local seed = 12345
local function rand(n) seed = (seed * 16807) % 2147483647 return seed % n end
local alphabet = "0123456789000111+-..eEexXpPabfinIyNt"
local function num(n)
  if n ~= n then return "nan" end
  if n == 1/0 then return "inf" end
  if n == -1/0 then return "-inf" end
  if n == 0 and 1/n < 0 then return "-0" end
  return string.format("%.17g", n)
end
for i = 1, 1200 do
  local len = 1 + rand(12)
  local t = {}
  for j = 1, len do
    local k = 1 + rand(#alphabet)
    t[j] = alphabet:sub(k, k)
  end
  local s = table.concat(t)
  local ok, v = pcall(cjson.decode, s)
  print(s .. " => " .. (ok and (type(v) == "number" and num(v) or tostring(type(v))) or v))
end
-- encode of random doubles of all magnitudes, made exactly in both Luas
local c = cjson.new()
local function double()
  local m = rand(67108864) * 67108864 + rand(67108864)
  local x = m * 2^(rand(240) - 140)
  if rand(2) == 0 then x = -x end
  return x
end
for p = 14, 1, -1 do
  c.encode_number_precision(p)
  for i = 1, (p == 14 and 300 or 25) do
    local x = double()
    if not (x == math.floor(x) and math.abs(x) <= 2^53) then
      print(p .. ": " .. num(x) .. " -> " .. c.encode(x) .. " " .. c.encode({[x] = 1}))
    end
  end
end
