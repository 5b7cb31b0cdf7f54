// right, differently: node:http instead of Express, fib written as a loop-free arrow function.
import http from 'node:http';

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

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
