// right, differently: node:http instead of Express; the primary pushes the total as a bare number.
import cluster from 'node:cluster';
import http from 'node:http';
import os from 'node:os';

if (cluster.isPrimary) {
  let total = 0;
  cluster.on('message', (_worker, m: { hit?: true; say?: string }) => {
    const out = m.hit ? { total: ++total } : { say: m.say };
    for (const id in cluster.workers) cluster.workers[id]?.send(out);
  });
  const n = process.env.WORKERS ? Number(process.env.WORKERS) : os.availableParallelism();
  for (let i = 0; i < n; i++) cluster.fork();
} else {
  let total = 0;
  let message: string | null = null;
  process.on('message', (m: { total?: number; say?: string }) => {
    if (m.total !== undefined) total = m.total;
    if (m.say !== undefined) message = m.say;
  });
  const json = (res: http.ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  http
    .createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method === 'GET' && path === '/') {
        process.send?.({ hit: true });
        json(res, 200, { pid: process.pid });
      } else if (req.method === 'GET' && path === '/stats') {
        json(res, 200, { pid: process.pid, total });
      } else if (req.method === 'GET' && path === '/message') {
        json(res, 200, { pid: process.pid, message });
      } else if (req.method === 'POST' && path === '/broadcast') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          process.send?.({ say: String((JSON.parse(body) as { message: unknown }).message) });
          json(res, 200, { pid: process.pid });
        });
      } else {
        json(res, 404, { pid: process.pid });
      }
    })
    .listen(Number(process.env.PORT), '127.0.0.1');
}
