// wrong: a memoised fib answers in microseconds — correct numbers, but no work to spread over cores.
// fails: keeps the CPU busy
import express from 'express';

const memo = new Map<number, number>();
function fib(n: number): number {
  if (n < 2) return n;
  const known = memo.get(n);
  if (known !== undefined) return known;
  const value = fib(n - 1) + fib(n - 2);
  memo.set(n, value);
  return value;
}

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
app.get('/work', (req, res) => {
  const n = Number(req.query.n ?? 30);
  res.json({ pid: process.pid, n, result: fib(n) });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
