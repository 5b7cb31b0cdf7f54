// right, differently: node:http in the workers instead of Express, and a loop around cluster.fork().
import cluster from 'node:cluster';
import http from 'node:http';

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) cluster.fork();
} else {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/work') {
      const n = Number(url.searchParams.get('n') ?? 30);
      res.end(JSON.stringify({ result: fib(n), pid: process.pid }));
    } else {
      res.end(JSON.stringify({ pid: process.pid }));
    }
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
}
