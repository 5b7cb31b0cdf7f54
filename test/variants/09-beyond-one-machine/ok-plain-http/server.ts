// ok: node:http instead of Express, the count read back from INCR's own answer, and a hand-parsed body.
import cluster from 'node:cluster';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { createClient } from 'redis';

const host = process.env.HOST_ID ?? 'local';
const raw = process.env.WORKERS ?? '';
const workers = raw === '' ? availableParallelism() : Number(raw);
if (!Number.isInteger(workers) || workers < 1) {
  console.error(`bad WORKERS: ${raw}`);
  process.exit(1);
}

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  const client = createClient({ url: process.env.REDIS_URL });
  const sub = client.duplicate();
  client.on('error', () => {});
  sub.on('error', () => {});
  await client.connect();
  await sub.connect();
  let last: string | null = null;
  await sub.subscribe('news', (m) => {
    last = m;
  });

  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  http
    .createServer(async (req, res) => {
      try {
        if (req.method === 'GET' && req.url === '/') {
          await client.incr('hits');
          return send(res, 200, { pid: process.pid, host });
        }
        if (req.method === 'GET' && req.url === '/stats') return send(res, 200, { total: Number((await client.get('hits')) ?? 0) });
        if (req.method === 'GET' && req.url === '/message') return send(res, 200, { pid: process.pid, host, message: last });
        if (req.method === 'POST' && req.url === '/broadcast') {
          let text = '';
          for await (const chunk of req) text += String(chunk);
          const { message } = JSON.parse(text) as { message?: unknown };
          if (typeof message !== 'string') return send(res, 400, { error: 'message must be a string' });
          await client.publish('news', message);
          return send(res, 200, { ok: true });
        }
        send(res, 404, { error: 'not found' });
      } catch (err) {
        send(res, 500, { error: String(err) });
      }
    })
    .listen(Number(process.env.PORT), '127.0.0.1');
}
