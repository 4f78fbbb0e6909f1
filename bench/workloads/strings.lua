-- strings: tostring(i) for i below N appended to a table and concatenated
-- with ","; the length of the result, for allocation and strings.
local function build(n)
  local parts = {}
  for i = 0, n - 1 do parts[#parts + 1] = tostring(i) end
  return #table.concat(parts, ",")
end
result(build(N))
