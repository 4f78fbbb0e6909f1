// strings: String(i) for i below N pushed to an array and joined with ",";
// the length of the result, for allocation and strings.
function build(n) {
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(String(i));
  return parts.join(",").length;
}
result(build(N));
