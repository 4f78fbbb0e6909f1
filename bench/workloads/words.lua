-- words: N words drawn from a 1,000-word vocabulary by the MINSTD generator
-- (x = x * 48271 % 2147483647 from 1), counted in a table; the checksum is
-- the sum of count(w_i) * (i + 1). For hashing.
local function words(n)
  local vocab = {}
  for i = 0, 999 do vocab[i + 1] = "w" .. i end
  local counts = {}
  local x = 1
  for _ = 1, n do
    x = x * 48271 % 2147483647
    local w = vocab[x % 1000 + 1]
    counts[w] = (counts[w] or 0) + 1
  end
  local sum = 0
  for i = 0, 999 do sum = sum + (counts[vocab[i + 1]] or 0) * (i + 1) end
  return sum
end
result(words(N))
