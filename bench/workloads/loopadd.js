// loopadd: a branchy integer loop written at the top level of the script.
let s = 0;
for (let i = 0; i < N; i++) {
  if (i % 3 === 0) {
    s += i;
  } else {
    s += 1;
  }
}
result(s);
