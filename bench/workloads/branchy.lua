-- branchy: a small-int counter that wraps at 100, summed, for a loop with a branch.
local function branchy(n)
  local k, s = 0, 0
  for _ = 1, n do
    k = k + 1
    if k >= 100 then k = 0 end
    s = s + k
  end
  return s
end
result(branchy(N))
