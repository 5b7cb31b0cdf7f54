// checks/lib/load.ts against an in-process server: slow clients send late, are counted apart, and
// their failures are named, so a ✗ can tell "slow clients were reset" from "a worker died".
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { describeFailures, startLoad } from '../checks/lib/load.ts';
import { freePort } from '../checks/lib/http.ts';
import { Timeline, withTimeline } from '../checks/lib/timeline.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

/** Answers {"pid"} at once; with `reset`, resets every connection once its request has arrived; with 'hang', never answers. */
async function server(reset: boolean | 'hang'): Promise<number> {
  const port = await freePort();
  const s = http.createServer((req, res) => {
    if (reset === 'hang') return;
    if (reset) req.socket.resetAndDestroy();
    else res.end(JSON.stringify({ pid: process.pid }));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
  return port;
}

describe('Load', () => {
  it('runs slow clients beside the lanes, sending late, and counts them apart', async () => {
    const port = await server(true);
    const load = startLoad(port, { concurrency: 2, timeoutMs: 10_000, slow: { clients: 3, writeDelayMs: 250 } });
    expect(await load.waitFor((s) => s.filter((x) => x.slow).length >= 6, 20_000)).toBe(true);
    const report = await load.stop();
    expect(report.slowSent).toBeGreaterThanOrEqual(6);
    expect(report.sent).toBeGreaterThan(report.slowSent); // the steady lanes ran too
    // Reset only once its request arrived: a slow client's, never sooner than it was sent.
    const slow = report.samples.filter((x) => x.slow);
    expect(slow.filter((x) => x.endedAt - x.startedAt < 240)).toEqual([]);
    expect(report.failed).toBe(report.sent);
    expect(report.slowFailed).toBe(report.slowSent);
    expect(report.byReason).toEqual({ ECONNRESET: report.failed });
    expect(describeFailures(report)).toBe(`${report.failed} ECONNRESET (${report.slowFailed} of them slow clients)`);
  }, 60_000);

  it('counts a request it stopped waiting for as failed in the timeline then, as in its report, and not again when it ends', async () => {
    const port = await server('hang');
    const timeline = new Timeline();
    // More requests in flight than an AbortSignal's default 10 listeners: no warning printed for them.
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const load = withTimeline(timeline, () => startLoad(port, { concurrency: 4, timeoutMs: 1500, slow: { clients: 8, writeDelayMs: 50 } }));
    await new Promise((r) => setTimeout(r, 200));
    const report = await load.stop(100);
    expect(report.unfinished).toHaveLength(12);
    const failed = (): number => timeline.events.filter((e) => e.kind === 'request' && e.failure === 'timeout').length;
    expect(failed()).toBe(12);
    await new Promise((r) => setTimeout(r, 1800)); // their own timeouts have come
    expect(failed()).toBe(12);
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
  }, 20_000);

  it('without slow clients, sends none and says nothing of them', async () => {
    const port = await server(false);
    const load = startLoad(port, { concurrency: 2, timeoutMs: 10_000 });
    expect(await load.waitFor((s) => s.length >= 10, 20_000)).toBe(true);
    const report = await load.stop();
    expect(report.slowSent).toBe(0);
    expect(report.failed).toBe(0);
    expect(describeFailures(report)).toBe('none');
  }, 60_000);
});
