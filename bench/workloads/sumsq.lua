-- sumsq: the sum of i*i % 7 for i below N, for arithmetic and loop dispatch.
local function sumsq(n)
  local s = 0
  for i = 0, n - 1 do s = s + i * i % 7 end
  return s
end
result(sumsq(N))
