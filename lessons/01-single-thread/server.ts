// Lesson 01 — one process, one core.
// An Express server with a cheap route (GET /) and an expensive one (GET /work?n=N).
// Run it:  PORT=3000 node lessons/01-single-thread/server.ts              (Node 22.18+, 24, 26)
//          PORT=3000 node --import tsx lessons/01-single-thread/server.ts  (Node 20)
import express from 'express';

// Fixed, CPU-bound work: the naive recursive Fibonacci, on purpose without a cache.
function fib(n: number): number {
  // TODO: return fib(n - 1) + fib(n - 2), with fib(0) = 0 and fib(1) = 1.
  return 0;
}

const app = express();

app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});

app.get('/work', (req, res) => {
  const n = Number(req.query.n ?? 30);
  if (!Number.isInteger(n) || n < 0 || n > 45) {
    res.status(400).json({ error: 'n must be a whole number from 0 to 45' });
    return;
  }
  res.json({ pid: process.pid, n, result: fib(n) });
});

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
app.listen(port, '127.0.0.1', () => {
  console.log(`pid ${process.pid} listening on http://127.0.0.1:${port}`);
});
