// generator: a generator function yields 0 .. N-1 and for-of sums them: one
// resume and one yield per value.
function* count(n) {
  for (let i = 0; i < n; i++) yield i;
}
function consume(n) {
  let s = 0;
  for (const x of count(n)) s += x;
  return s;
}
result(consume(N));
