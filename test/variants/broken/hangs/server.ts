// broken: accepts requests and never answers them.
import http from 'node:http';

const server = http.createServer(() => {});
server.listen(Number(process.env.PORT), '127.0.0.1');
