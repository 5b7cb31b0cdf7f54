// Right, but `node server.ts` cannot run it: './fib.js' names the compiled file, as TypeScript's
// nodenext resolution allows and tsx resolves to fib.ts; Node's own type stripping looks for
// fib.js and finds nothing. The check judges it through tsx and says how to make it native.
import express from 'express';
import { fib } from './fib.js';

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
const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1');
