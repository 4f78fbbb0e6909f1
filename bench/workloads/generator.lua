-- generator: a coroutine yields 0 .. N-1 and a generic for sums them: one
-- resume and one yield per value.
local function count(n)
  return coroutine.wrap(function()
    for i = 0, n - 1 do coroutine.yield(i) end
  end)
end
local function consume(n)
  local s = 0
  for x in count(n) do s = s + x end
  return s
end
result(consume(N))
