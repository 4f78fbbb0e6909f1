// branchy: a small-int counter that wraps at 100, summed, for a loop with a branch.
function branchy(n) {
  let k = 0, s = 0;
  for (let i = 0; i < n; i++) {
    k = k + 1;
    if (k >= 100) k = 0;
    s = s + k;
  }
  return s;
}
result(branchy(N));
