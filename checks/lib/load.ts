// A steady loop of requests, each on a fresh connection, kept going while a check does something
// to the program (kills a worker, reloads pm2, restarts a host behind nginx). It counts what
// answered and what failed, and why, so a check can say "N of M requests failed around the kill".
import { setMaxListeners } from 'node:events';
import { pidOf, request, RequestFailed, sleep, type Reply } from './http.ts';
import { closeResetsUnread } from './node-behaviour.ts';

export interface LoadOptions {
  /** Default `/`. */
  readonly path?: string;
  /** Requests in flight at once, each lane sending its next as soon as the last one ended. Default 4. */
  readonly concurrency?: number;
  /** Per request; a connection handed to a dying process hangs instead of resetting. Default 2000. */
  readonly timeoutMs?: number;
  /** Pause after each request in a lane, in ms. Default 0. */
  readonly gapMs?: number;
  /**
   * Slow clients beside the lanes: each connects, then sends its request `writeDelayMs` later, so
   * a process that stops serving always holds some connections it has accepted and not yet read.
   */
  readonly slow?: { readonly clients: number; readonly writeDelayMs: number };
  /** Which answers count as a success. Default: status 2xx. */
  readonly accept?: (reply: Reply) => boolean;
}

/** One request of the loop. Times are `performance.now()` values, comparable with the check's own marks. */
export interface LoadSample {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ok: boolean;
  /** Why it failed: ECONNREFUSED, ECONNRESET, TIMEOUT, `status 502`, … (only when not ok). */
  readonly reason?: string;
  /** The pid in a `{"pid": N}` answer, if there was one. */
  readonly pid?: number;
  /** Sent by a slow client (LoadOptions.slow). */
  readonly slow?: true;
  /**
   * Slow clients only: ms from the start of the request to when its bytes left, or to its failure
   * if they never did. Over writeDelayMs by much, the check itself was late (a starved event loop),
   * and a server that read nothing by then may have had every right to be gone.
   */
  readonly writeLagMs?: number;
}

export interface LoadReport {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** Failed requests counted by reason, e.g. `{ ECONNRESET: 2, TIMEOUT: 1 }`. */
  readonly byReason: Readonly<Record<string, number>>;
  /** Requests from slow clients, and how many of those failed. */
  readonly slowSent: number;
  readonly slowFailed: number;
  /** Successful answers counted by the pid that gave them. */
  readonly byPid: ReadonlyMap<number, number>;
  /** Every request, in the order they ended. */
  readonly samples: readonly LoadSample[];
  readonly durationMs: number;
}

export class Load {
  private readonly samples: LoadSample[] = [];
  /** When each request now in flight started. */
  private readonly pending = new Set<number>();
  private stopping = false;
  /** Aborted when stop() leaves requests unfinished: the timeline counts them failed then, as the report does. */
  private readonly giveUp = new AbortController();
  private readonly lanes: Promise<void>[];
  private readonly startedAt = performance.now();

  constructor(
    readonly port: number,
    private readonly opts: LoadOptions = {},
  ) {
    const concurrency = opts.concurrency ?? 4;
    const slow = opts.slow;
    // Each request in flight listens on it: more lanes than the default 10 is no leak.
    setMaxListeners(0, this.giveUp.signal);
    this.lanes = [...Array.from({ length: concurrency }, () => this.lane()), ...Array.from({ length: slow?.clients ?? 0 }, () => this.lane(slow?.writeDelayMs))];
  }

  /** One lane: a request at a time; a slow one sends each request `writeDelayMs` after connecting. */
  private async lane(writeDelayMs?: number): Promise<void> {
    const path = this.opts.path ?? '/';
    const timeoutMs = this.opts.timeoutMs ?? 2000;
    const accept = this.opts.accept ?? ((r: Reply) => r.status >= 200 && r.status < 300);
    while (!this.stopping) {
      const startedAt = performance.now();
      this.pending.add(startedAt);
      let sample: LoadSample;
      let wroteAt: number | undefined;
      const onWrite = (): void => void (wroteAt = performance.now());
      try {
        const reply = await request(this.port, path, { timeoutMs, giveUp: this.giveUp.signal, ...(writeDelayMs === undefined ? {} : { writeDelayMs, onWrite }) });
        const pid = pidOf(reply);
        const ok = accept(reply);
        sample = { startedAt, endedAt: performance.now(), ok, ...(ok ? {} : { reason: `status ${reply.status}` }), ...(pid === undefined ? {} : { pid }) };
      } catch (err) {
        const reason = err instanceof RequestFailed ? err.code : err instanceof Error ? err.message : String(err);
        sample = { startedAt, endedAt: performance.now(), ok: false, reason };
      }
      if (writeDelayMs !== undefined) sample = { ...sample, slow: true, writeLagMs: (wroteAt ?? sample.endedAt) - startedAt };
      this.pending.delete(startedAt);
      this.samples.push(sample);
      if (!sample.ok) await sleep(10); // a refused connection comes back at once: don't spin
      else if (this.opts.gapMs) await sleep(this.opts.gapMs);
    }
  }

  /** Every request still out was overtaken: a request sent after it was answered at least `ms` ago. */
  overtaken(ms: number): boolean {
    const since = performance.now() - ms;
    return this.pending.size > 0 && [...this.pending].every((sent) => this.samples.some((s) => s.ok && s.startedAt > sent && s.endedAt < since));
  }

  /** Requests that ended so far (a live view: it grows while the loop runs). */
  get done(): readonly LoadSample[] {
    return this.samples;
  }

  /** Successful answers that ended after `since` (a `performance.now()` mark), optionally from one pid. */
  okSince(since: number, pid?: number): number {
    return this.samples.filter((s) => s.ok && s.endedAt > since && (pid === undefined || s.pid === pid)).length;
  }

  /** Wait until `predicate` holds for the samples so far, or `ms` pass; true if it held. */
  async waitFor(predicate: (samples: readonly LoadSample[]) => boolean, ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    while (!predicate(this.samples)) {
      if (performance.now() >= deadline || this.stopping) return false;
      await sleep(20);
    }
    return true;
  }

  /**
   * Stop sending; requests in flight finish (at most `timeoutMs` more). With `waitMs`, wait no
   * longer than that, and with `lost`, no longer than until it says the requests still out are lost:
   * those (a connection lost on its way to a killed worker hangs until its timeout) are left out of
   * the report and listed in `unfinished`.
   */
  async stop(waitMs?: number, lost?: () => boolean): Promise<LoadReport & { readonly unfinished: readonly number[] }> {
    this.stopping = true;
    const all = Promise.all(this.lanes);
    let finished = false;
    void all.then(() => (finished = true));
    const deadline = performance.now() + (waitMs ?? Infinity);
    if (lost === undefined) await Promise.race([all, ...(waitMs === undefined ? [] : [sleep(waitMs)])]);
    else while (!finished && performance.now() < deadline && !lost()) await Promise.race([all, sleep(50)]);
    if (this.pending.size > 0) this.giveUp.abort();
    return { ...summarize([...this.samples], performance.now() - this.startedAt), unfinished: [...this.pending] };
  }
}

/** Count a list of samples (all of a run, or a slice of it, e.g. the ones around a kill). */
export function summarize(samples: readonly LoadSample[], durationMs = 0): LoadReport {
  const byReason: Record<string, number> = {};
  const byPid = new Map<number, number>();
  let ok = 0;
  let slowSent = 0;
  let slowFailed = 0;
  for (const s of samples) {
    if (s.slow) {
      slowSent++;
      if (!s.ok) slowFailed++;
    }
    if (s.ok) {
      ok++;
      if (s.pid !== undefined) byPid.set(s.pid, (byPid.get(s.pid) ?? 0) + 1);
    } else {
      const reason = s.reason ?? 'unknown';
      byReason[reason] = (byReason[reason] ?? 0) + 1;
    }
  }
  return { sent: samples.length, ok, failed: samples.length - ok, byReason, slowSent, slowFailed, byPid, samples, durationMs: Math.round(durationMs) };
}

/** Start a steady request loop against 127.0.0.1:port; call `stop()` to end it and get the counts. */
export function startLoad(port: number, opts?: LoadOptions): Load {
  return new Load(port, opts);
}

/** `2 ECONNRESET, 1 TIMEOUT (1 of them slow clients)` — for a ✗ that names what failed. */
export function describeFailures(report: Pick<LoadReport, 'byReason'> & Partial<Pick<LoadReport, 'slowFailed'>>): string {
  const parts = Object.entries(report.byReason).map(([reason, n]) => `${n} ${reason}`);
  if (parts.length === 0) return 'none';
  return `${parts.join(', ')}${report.slowFailed ? ` (${report.slowFailed} of them slow clients)` : ''}`;
}

/**
 * The failures are what this Node's server.close() does to connections it has accepted and not
 * read (Node 26, nodejs/node#63470): resets only, slow clients among them. A check's hint then
 * names that, not the learner's shutdown order.
 */
export const resetsUnread = (report: LoadReport): boolean =>
  report.slowFailed > 0 && (report.byReason.ECONNRESET ?? 0) === report.failed && closeResetsUnread();
