// loopaddfn: the loopadd loop inside a function.
function loopadd(n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0) {
      s += i;
    } else {
      s += 1;
    }
  }
  return s;
}
result(loopadd(N));
