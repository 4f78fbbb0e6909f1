// sumsq: the sum of i*i % 7 for i below N, for arithmetic and loop dispatch.
function sumsq(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += i * i % 7;
  return s;
}
result(sumsq(N));
