// What the running Node does where Node versions differ, found by asking it (a probe in a child
// process), not by comparing version numbers: a check or a variant's verdict that depends on it asks here.
import { spawnSync } from 'node:child_process';

// A server that closes while a connection it accepted has sent nothing yet: does that client get an
// answer to the request it sends 50 ms later? Node 20 and 24 serve it; Node 26 resets it.
const PROBE = `const http = require('node:http'), net = require('node:net');
const server = http.createServer((q, r) => r.end('ok'));
server.on('connection', () => server.close());
server.listen(0, '127.0.0.1', () => {
  const s = net.connect(server.address().port, '127.0.0.1', () => setTimeout(() => s.write('GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'), 50));
  let got = '';
  s.on('data', (d) => (got += d));
  s.on('error', () => {});
  s.on('close', () => process.stdout.write(got.startsWith('HTTP/1.1 200') ? 'kept' : 'reset'));
});`;
let resets: boolean | undefined;
/** Whether the running Node's server.close() resets a connection whose request it has not read (nodejs/node#63470). */
export function closeResetsUnread(): boolean {
  resets ??= spawnSync(process.execPath, ['-e', PROBE], { encoding: 'utf8', timeout: 10_000 }).stdout === 'reset';
  return resets;
}
