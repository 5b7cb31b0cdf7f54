// right, differently: piscina runs the pool (fixed size: minThreads = maxThreads), its task file is
// plain JavaScript, the server is plain node:http, and a bad THREADS exits with code 2.
import { createServer } from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';

const raw = process.env.THREADS || undefined;
const size = raw === undefined ? os.availableParallelism() : Number(raw);
if (!Number.isInteger(size) || size < 1) {
  process.stderr.write(`cannot start: THREADS should be 1, 2, 3…, not "${raw}"\n`);
  process.exit(2);
}

const pool = new Piscina({ filename: fileURLToPath(new URL('./task.mjs', import.meta.url)), minThreads: size, maxThreads: size });

function send(res: import('node:http').ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ pid: process.pid, ...body }));
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/') return send(res, 200, {});
  if (url.pathname === '/work') {
    const n = Number(url.searchParams.get('n') ?? 30);
    if (!Number.isInteger(n) || n < 0 || n > 45) return send(res, 400, { error: 'n must be 0 to 45' });
    pool.run({ kind: 'fib', n }).then(
      (result: number) => send(res, 200, { n, result }),
      (error: Error) => send(res, 500, { error: error.message }),
    );
    return;
  }
  if (url.pathname === '/crash') {
    pool.run({ kind: 'crash' }).then(
      () => send(res, 500, { error: 'did not crash' }),
      (error: Error) => send(res, 500, { error: error.message }),
    );
    return;
  }
  send(res, 404, { error: 'not found' });
}).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
