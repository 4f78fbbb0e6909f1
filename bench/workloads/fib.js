// fib: recursive Fibonacci, for call and return overhead.
function fib(n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}
result(fib(N));
