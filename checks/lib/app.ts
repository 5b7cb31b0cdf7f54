// A started learner program plus the port it serves: the HTTP helpers a check talks through.
import { pidOf, request, sleep, type Reply, type RequestOptions } from './http.ts';
import type { Program } from './program.ts';
import { isToolchainHelper } from './command-name.ts';

export class App {
  constructor(
    readonly program: Program,
    readonly port: number,
  ) {}

  /** The top process: the primary, in a cluster. */
  get pid(): number {
    return this.program.pid;
  }

  request(path: string, opts?: RequestOptions): Promise<Reply> {
    return request(this.port, path, opts);
  }

  get(path: string, timeoutMs = 5000): Promise<Reply> {
    return request(this.port, path, { timeoutMs });
  }

  post(path: string, body: unknown, timeoutMs = 5000): Promise<Reply> {
    return request(this.port, path, { method: 'POST', body, timeoutMs });
  }

  /** `GET /` over a fresh connection; the pid it answered with (undefined if the answer had none). */
  async pidOnce(timeoutMs = 3000): Promise<number | undefined> {
    return pidOf(await this.get('/', timeoutMs));
  }

  /**
   * `count` requests to `GET /`, `concurrency` at a time, each on a new connection.
   * Returns the pid of every answer in order (undefined where the answer had none).
   */
  async pids(count: number, concurrency = 4): Promise<(number | undefined)[]> {
    const out: (number | undefined)[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        next++;
        out.push(await this.pidOnce());
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
    return out;
  }

  /**
   * Ask `GET /` until `want` distinct pids have answered or `ms` pass (the second worker lags the
   * first by up to a few hundred ms). Returns every distinct pid seen.
   */
  async waitForPids(want: number, ms = 5000): Promise<Set<number>> {
    const seen = new Set<number>();
    const deadline = Date.now() + ms;
    while (seen.size < want && Date.now() < deadline) {
      const batch = await Promise.allSettled(Array.from({ length: Math.max(4, want * 2) }, () => this.pidOnce(1500)));
      for (const r of batch) if (r.status === 'fulfilled' && r.value !== undefined) seen.add(r.value);
      if (seen.size < want) await sleep(50);
    }
    return seen;
  }

  /** Live children of the primary: its workers (tsx's esbuild service, also a child, left out). */
  workers(): number[] {
    return this.program.children().filter((pid) => !isToolchainHelper(pid));
  }
}
