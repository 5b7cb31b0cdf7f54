// Right, but written with TypeScript that needs a transform, not just type stripping: an enum and
// a parameter property. tsx runs it; `node server.ts` refuses both (ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX).
import { createServer } from 'node:http';

enum Route {
  Root = '/',
  Work = '/work',
}

class Fib {
  constructor(private readonly memoize: boolean) {}
  of(n: number): number {
    if (this.memoize) throw new Error('no cache: the work must cost CPU');
    return n < 2 ? n : this.of(n - 1) + this.of(n - 2);
  }
}

const fib = new Fib(false);
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  res.setHeader('content-type', 'application/json');
  if (url.pathname === Route.Root) {
    res.end(JSON.stringify({ pid: process.pid }));
  } else if (url.pathname === Route.Work) {
    const n = Number(url.searchParams.get('n') ?? 30);
    if (!Number.isInteger(n) || n < 0 || n > 45) {
      res.statusCode = 400;
      res.end(JSON.stringify({ error: 'n must be a whole number from 0 to 45' }));
      return;
    }
    res.end(JSON.stringify({ pid: process.pid, n, result: fib.of(n) }));
  } else {
    res.statusCode = 404;
    res.end('{}');
  }
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
