// words: N words drawn from a 1,000-word vocabulary by the MINSTD generator
// (x = x * 48271 % 2147483647 from 1), counted in a Map; the checksum is
// the sum of count(w_i) * (i + 1). For hashing.
function words(n) {
  const vocab = [];
  for (let i = 0; i < 1000; i++) vocab.push("w" + i);
  const counts = new Map();
  let x = 1;
  for (let j = 0; j < n; j++) {
    x = x * 48271 % 2147483647;
    const w = vocab[x % 1000];
    counts.set(w, (counts.get(w) || 0) + 1);
  }
  let sum = 0;
  vocab.forEach((w, i) => { sum += (counts.get(w) || 0) * (i + 1); });
  return sum;
}
result(words(N));
