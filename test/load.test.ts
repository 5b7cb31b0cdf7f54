// checks/lib/load.ts against an in-process server: slow clients are counted apart, and their
// failures are named, so a ✗ can tell "a slow client was reset" from "a worker died".
import http from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describeFailures, startLoad } from '../checks/lib/load.ts';
import { freePort } from '../checks/lib/http.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

/** Answers {"pid"} at once, but resets a connection whose request came `resetAfterMs` or more after it opened. */
async function server(resetAfterMs: number): Promise<number> {
  const port = await freePort();
  const opened = new WeakMap<Socket, number>();
  const s = http.createServer((req, res) => {
    if (performance.now() - (opened.get(req.socket) ?? 0) >= resetAfterMs) req.socket.resetAndDestroy();
    else res.end(JSON.stringify({ pid: process.pid }));
  });
  s.on('connection', (socket: Socket) => opened.set(socket, performance.now()));
  servers.push(s);
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
  return port;
}

describe('Load', () => {
  it('runs slow clients beside the lanes and counts them apart', async () => {
    const port = await server(150);
    const load = startLoad(port, { concurrency: 2, timeoutMs: 2000, slow: { clients: 3, writeDelayMs: 250 } });
    expect(await load.waitFor((s) => s.filter((x) => x.slow).length >= 6, 10_000)).toBe(true);
    const report = await load.stop();
    expect(report.slowSent).toBeGreaterThanOrEqual(6);
    expect(report.slowFailed).toBe(report.slowSent); // each slow client wrote 250 ms after connecting: reset
    expect(report.failed).toBe(report.slowFailed); // the fast lanes were all answered
    expect(report.ok).toBeGreaterThan(0);
    expect(report.byReason).toEqual({ ECONNRESET: report.failed });
    expect(describeFailures(report)).toBe(`${report.failed} ECONNRESET (${report.failed} of them slow clients)`);
  }, 20_000);

  it('without slow clients, sends none and says nothing of them', async () => {
    const port = await server(150);
    const load = startLoad(port, { concurrency: 2, timeoutMs: 2000 });
    expect(await load.waitFor((s) => s.length >= 10, 10_000)).toBe(true);
    const report = await load.stop();
    expect(report.slowSent).toBe(0);
    expect(report.failed).toBe(0);
    expect(describeFailures(report)).toBe('none');
  }, 20_000);
});
