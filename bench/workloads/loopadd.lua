-- loopadd: a branchy integer loop written at the top level of the chunk.
local s = 0
for i = 0, N - 1 do
  if i % 3 == 0 then
    s = s + i
  else
    s = s + 1
  end
end
result(s)
