// Lesson 09: two hosts — two instances of the learner's cluster, HOST_ID a and b — behind the
// learner's nginx.conf, sharing their state in Redis. The check runs redis-server and nginx itself,
// each on a free port from a temporary folder, and removes them on every path.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  coresCountHint,
  fakeCoresEnv,
  withPreloads,
  ClusterLog,
  expectLoopbackOnly,
  exposedAddresses,
  defineCheck,
  describeFailures,
  describeReply,
  Fatal,
  fillTemplate,
  freePort,
  inParallel,
  request,
  requireNginx,
  requireRedis,
  sleep,
  startLoad,
  startNginx,
  startRedis,
  startRedisRelay,
  unmet,
  type App,
  type Reply,
  type RequestOptions,
} from './lib/index.ts';

/**
 * Workers per host: two sizes, so that a count written in (2, or the cores of this 2-core machine)
 * fails on one of them (a fresh learner's program with WORKERS written in as 2 passed every line).
 */
const WORKERS: Readonly<Record<'a' | 'b', number>> = { a: 1, b: 2 };
/** The cores each host sees (fake-cores.cjs): fewer than host b's WORKERS, more than host a's, so a count capped at the cores or raised to them shows. */
const SEEN_CORES: Readonly<Record<'a' | 'b', number>> = { a: 3, b: 1 };

/** How long the check's relay to Redis holds each SUBSCRIBE back: a worker that listens first does so this much sooner. */
const SUBSCRIBE_HOLD_MS = 150;

/** `{"pid": N, "host": "a", …}` → its pid and host, or undefined. */
function identify(reply: Reply): { pid: number; host: string } | undefined {
  const json = reply.json;
  if (typeof json !== 'object' || json === null) return undefined;
  const { pid, host } = json as { pid?: unknown; host?: unknown };
  if (typeof pid !== 'number' || typeof host !== 'string') return undefined;
  return { pid, host };
}

const show = (reply: Reply): string => describeReply(reply, 160);

export default defineCheck({
  timeoutMs: 120_000, // a bound for a program that hangs; at load average 115 the solution took up to 97 s
  async run(t) {
    const confFile = join(t.dir, 'nginx.conf');
    const shownConf = join(t.shownDir, 'nginx.conf');

    await t.expect('nginx and redis-server are installed', 'Install them as shown, then run the check again.', async () => {
      requireNginx();
      requireRedis();
      if (!existsSync(confFile)) throw new Fatal(`${shownConf} does not exist`, '', 'The lesson folder holds your nginx configuration in nginx.conf, next to server.ts.');
    });

    const redis = await t.expect('redis-server starts (the check runs its own, on a free port)', 'This is the check\'s own Redis: if it fails, the output above says why.', () => startRedis(t));
    if (!redis) return t.stopHere();

    // Two hosts: the same program twice, each a cluster of WORKERS[host] workers on its own port. Each of
    // their processes loads the redis client (hundreds of modules through tsx), so host b is
    // spawned at once and runs its start while host a is type-checked and started; it is only
    // judged after that, so a type error is reported alone.
    // REDIS_URL is a relay that holds each SUBSCRIBE back for SUBSCRIBE_HOLD_MS on its way to Redis,
    // and the cluster log notes when each worker calls listen(): "subscribe before listening" is
    // then an order of two events, whatever the machine's load.
    const relay = await startRedisRelay(t, redis, SUBSCRIBE_HOLD_MS);
    const log = new ClusterLog();
    t.defer(() => log.remove());
    const readyMs = 30_000;
    const env = (host: 'a' | 'b'): Record<string, string> => ({ HOST_ID: host, REDIS_URL: relay.url, WORKERS: String(WORKERS[host]), ...withPreloads(log.env, fakeCoresEnv(SEEN_CORES[host])) });
    const b = await t.spawnApp({ env: env('b') });
    const a = await t.start({ env: env('a'), readyMs, name: `host a (HOST_ID=a, WORKERS=${WORKERS.a}, REDIS_URL) starts and answers GET / on its PORT` });
    await t.expect(`host b (HOST_ID=b, WORKERS=${WORKERS.b}, the same program on another PORT) starts and answers GET /`, 'Host b runs the same server.ts as host a: see its output.', async () => {
      if (await b.answering(readyMs, 3000)) return;
      if (b.exit) throw new Fatal(`host b ${b.exitText()} before it answered. Its last output:`, b.program.tail());
      throw new Fatal(`host b did not answer on 127.0.0.1:${b.port} within ${readyMs / 1000} s. Its last output:`, b.program.tail());
    });
    const hosts = new Map<'a' | 'b', App>([['a', a], ['b', b]]);
    for (const [id, host] of hosts) await expectLoopbackOnly(t, host, `host ${id}'s PORT is bound to 127.0.0.1 only, not to every network interface`);

    const lb = await t.expect('nginx starts with your nginx.conf in front of both hosts', `Start from the lesson's nginx.conf: it must listen on 127.0.0.1:{{LISTEN_PORT}}.`, async () => {
      const port = await freePort();
      const httpConf = fillTemplate(readFileSync(confFile, 'utf8'), { LISTEN_PORT: String(port), HOST_A: `127.0.0.1:${a.port}`, HOST_B: `127.0.0.1:${b.port}` }, shownConf);
      return startNginx(t, { httpConf, port, shownPath: shownConf });
    });
    if (!lb) return t.stopHere();
    // nginx answers on 127.0.0.1 either way: only its sockets tell `listen PORT;` (every interface) apart.
    await t.expect("nginx listens on 127.0.0.1 only, not on every network interface", "Keep the lesson's line as it is: listen 127.0.0.1:{{LISTEN_PORT}}; (listen {{LISTEN_PORT}}; alone listens on every interface, and other machines can reach it).", async () => {
      const exposed = exposedAddresses(lb.members(), lb.port);
      if (exposed.length > 0) unmet(`port ${lb.port} bound to 127.0.0.1`, `nginx listens on port ${lb.port} at ${exposed.map((h) => `"${h}"`).join(' and ')}: every network interface`);
    });
    const viaNginx = (path: string, opts: RequestOptions = {}): Promise<Reply> => request(lb.port, path, { ...opts, timeoutMs: 8000 });

    const spread = await t.expect(
      `GET / through nginx reaches both hosts and every worker of each, WORKERS of them: ${WORKERS.a} on host a, ${WORKERS.b} on host b (answers {"pid", "host"})`,
      'List both hosts in the upstream block ({{HOST_A}} and {{HOST_B}}), balanced per request (not ip_hash or hash: every request here comes from 127.0.0.1), and answer GET / with res.json({ pid: process.pid, host: HOST_ID }).',
      async () => {
        const seen = new Map<'a' | 'b', Set<number>>([['a', new Set()], ['b', new Set()]]);
        const complete = (): boolean => [...seen].every(([host, pids]) => pids.size >= WORKERS[host]);
        const deadline = Date.now() + 15_000; // a busy machine starts the second worker late
        // First every worker of each host must be up (asked directly): nginx 1.29.7 and later keeps
        // its first connections to a host open and reuses them, and a connection stays with the
        // worker that took it. Sent before the second worker listens, they would all stay on one.
        // (Fewer live workers, all answering for 1.5 s with no new one forked, end the wait.)
        for (const [host, app] of hosts) await app.census({ want: WORKERS[host], deadlineMs: Math.max(0, deadline - Date.now()) });
        // As many workers as WORKERS says, on each host: the count is read, not written in.
        for (const [host, app] of hosts) {
          const workers = app.workers();
          if (workers.length !== WORKERS[host]) unmet(`${WORKERS[host]} worker${WORKERS[host] === 1 ? "" : "s"} on host ${host} (WORKERS=${WORKERS[host]})`, `its primary has ${workers.length}: ${workers.join(', ') || 'none'}`, coresCountHint(SEEN_CORES[host], workers.length, WORKERS[host]) ?? 'Fork Number(process.env.WORKERS) workers, as in lesson 03: the hosts of a real deployment differ in size.');
        }
        let answers = 0;
        // Both hosts answer when asked directly: 200 answers through nginx with none from one of them
        // is nginx not sending there (round-robin gives each host every other one), not a slow start.
        const shunned = (): boolean => answers >= 200 && [...seen.values()].some((pids) => pids.size === 0);
        while (!complete() && !shunned() && Date.now() < deadline) {
          // Concurrent, each on a new connection: nginx opens a new connection to the host for each
          // (unless the upstream has `keepalive`), and each host's primary hands those out in turn.
          for (const reply of await inParallel(8, 8, () => viaNginx('/'))) {
            const who = identify(reply);
            if (reply.status !== 200 || !who) unmet('200 with JSON {"pid": …, "host": …}', show(reply));
            const app = hosts.get(who.host as 'a' | 'b');
            if (!app) unmet('"host" to be the HOST_ID the host was started with: "a" or "b"', show(reply), 'Read the host name from process.env.HOST_ID.');
            if (!app.program.members().includes(who.pid)) unmet(`the pid of a worker of host ${who.host}`, `${show(reply)}, but that pid is not one of host ${who.host}'s processes`, 'Answer with process.pid of the worker that serves the request.');
            seen.get(who.host as 'a' | 'b')?.add(who.pid);
            answers++;
          }
          if (!complete()) await sleep(50);
        }
        if (!complete()) {
          const line = [...seen].map(([host, pids]) => `host ${host}: ${pids.size === 0 ? 'no answer' : `pid ${[...pids].join(', ')}`}`).join('; ');
          unmet(`answers from ${WORKERS.a} pid on host a and ${WORKERS.b} on host b`, shunned() ? `${answers} answers through nginx: ${line}` : `within 15 s: ${line}`);
        }
        return true;
      },
    );
    if (!spread) return t.stopHere();

    // Every worker is listening by now. A worker's subscription is passed on to Redis before its
    // listen() call, if it waited for it: the i-th listen() needs i subscriptions passed on before
    // it. One that listened first called listen() at least SUBSCRIBE_HOLD_MS before. A program that
    // never subscribes (some other way to reach every worker) is judged by the broadcast alone.
    if (relay.subscribesPassed.length > 0) {
      await t.expect(
        'every worker subscribes to Redis before it listens (the check holds each SUBSCRIBE back 0.15 s)',
        'await the subscription before app.listen(…): await subscriber.connect(); await subscriber.subscribe(CHANNEL, …); a message published while a worker listens but is not subscribed yet never reaches it.',
        async () => {
          const calls = [...log.listenCalls()].sort((x, y) => x.at - y.at);
          const passed = [...relay.subscribesPassed].sort((x, y) => x - y);
          calls.forEach((call, i) => {
            const before = passed.filter((p) => p <= call.at + 20).length; // 20 ms: two processes' clocks read apart
            if (before <= i) {
              const next = passed[i];
              unmet(
                `worker ${call.pid}'s SUBSCRIBE passed on to Redis before it called listen()`,
                `worker ${call.pid} called listen() when ${before === 0 ? 'no' : `only ${before}`} subscription${before === 1 ? '' : 's'} had reached Redis for ${i + 1} listening worker${i === 0 ? '' : 's'}; ${next === undefined ? 'none came after' : `the next came ${next - call.at} ms later`}`,
                // Fewer subscriptions than workers, for good: some worker never subscribes (a primary that relays is one subscription per host).
                next === undefined ? `${passed.length} subscription${passed.length === 1 ? '' : 's'} for ${calls.length} workers: every worker subscribes, on a second connection of its own, before it listens (a primary that subscribes and relays over IPC is not one per worker).` : undefined,
              );
            }
          });
        },
      );
    }

    /** GET /stats's total, through nginx or from one host directly; anything else is unmet, shown. */
    const total = async (host?: App): Promise<number> => {
      const reply = host ? await host.get('/stats', 8000) : await viaNginx('/stats');
      const value = (reply.json as { total?: unknown } | undefined)?.total;
      if (reply.status !== 200 || typeof value !== 'number') {
        unmet(
          'GET /stats answers 200 with JSON {"total": N}',
          show(reply),
          typeof value === 'string'
            ? 'Send "total" as a number: Redis gives strings back, so Number(await redis.get(key) ?? 0).'
            : reply.status === 200 && value === null
              ? 'Before the first count the key does not exist: GET gives null (and parseInt(null) is NaN, which JSON writes as null). Answer Number(await redis.get(key) ?? 0).'
              : undefined,
        );
      }
      return value;
    };

    // Where the count starts: no key yet, as with a new Redis. The hosts' readiness probes counted already.
    await t.expect('GET /stats answers {"total": 0} while Redis holds no count yet (the check empties its Redis)', 'A key that does not exist yet is a total of 0: Number(await redis.get(key) ?? 0).', async () => {
      await redis.flush();
      const seen = await Promise.all([0, 1, 2, 3].map(() => total()));
      if (seen.some((v) => v !== 0)) {
        // Numbers that outlive an empty Redis were never read from it: a count kept in the process.
        unmet('{"total": 0} from every worker', `${seen.join(', ')} from four reads, with Redis emptied`, seen.some((v) => v > 0) ? 'The total is not read from Redis: count with INCR in Redis (not in a variable, nor in the primary as in lesson 05) and answer /stats with the number stored there.' : undefined);
      }
    });

    const N = 200;
    await t.expect(
      `GET /stats through nginx counts every GET / on both hosts exactly (${N} concurrent requests → total + ${N})`,
      'Count in Redis, not in the process, and in the GET / handler only: await an atomic INCR there before answering, and answer /stats with the number stored in Redis.',
      async () => {
        const before = await total();
        const replies = await inParallel(N, 40, () => viaNginx('/').then((r) => r.status, () => 0));
        const bad = replies.filter((s) => s !== 200).length;
        if (bad > 0) {
          const byStatus = new Map<number, number>();
          for (const status of replies) if (status !== 200) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
          const shown = [...byStatus].map(([status, n]) => `${n} × ${status === 0 ? 'no answer' : `status ${status}`}`).join(', ');
          unmet(`all ${N} GET / to answer 200`, `${bad} of ${N} did not: ${shown}`, byStatus.has(502) || byStatus.has(504) ? "nginx answered 502/504 for a host: a proxy_read_timeout shorter than the host's answer, or a host that died. Keep the starter's timeouts." : undefined);
        }
        // Other requests in between, which must not count: a worker's GET /message, a browser's
        // GET /favicon.ico, a POST and a DELETE to / (a 404 is fine; a middleware or app.all counted
        // it; one app.all that leaves out POST alone counted the DELETE, a learner probe's).
        await Promise.all([
          viaNginx('/message'),
          viaNginx('/favicon.ico', { expected: (status) => status < 500 }),
          viaNginx('/', { method: 'POST', body: {}, expected: (status) => status < 500 }),
          viaNginx('/', { method: 'DELETE', expected: (status) => status < 500 }),
        ]);
        const want = before + N;
        // Four reads land on different workers of both hosts; each must see the same total.
        let seen: number[] = [];
        const deadline = Date.now() + 3000;
        do {
          seen = await Promise.all([0, 1, 2, 3].map(() => total()));
          if (seen.every((v) => v === want)) break;
          await sleep(100);
        } while (Date.now() < deadline);
        if (seen.every((v) => v === want)) {
          // A GET / that was answered is counted in every /stats read after it, on every worker
          // (the count is stored before the answer goes out): each host's workers read (new
          // connections, which each primary hands out in turn), one GET /, every worker again.
          // A total a worker keeps for a while, a cache, misses that one (a learner probe's 1 s
          // cache passed the reads above, which wait up to 3 s).
          const everyWorker = async (): Promise<number[]> => (await Promise.all([a, b].map((host) => inParallel(6, 3, () => total(host))))).flat();
          const primed = await everyWorker();
          const one = await viaNginx('/');
          if (one.status !== 200) unmet('one more GET / to answer 200', show(one));
          const after = await everyWorker();
          if ([...primed, ...after].some((v, i) => v !== (i < primed.length ? want : want + 1))) {
            unmet(
              `{"total": ${want}} from every read of both hosts, then {"total": ${want + 1}} from every one right after one more GET / was answered`,
              `before that GET /: ${primed.join(', ')}; after it: ${after.join(', ')} (six reads from host a, then six from host b, each time)`,
              'Read the total from Redis on every GET /stats: a number a worker keeps for a while (a cache) misses the GET / served since.',
            );
          }
          return;
        }
        const short = seen.every((v) => v < want);
        unmet(
          `{"total": ${want}} (${before} before + ${N}; only GET / counts) from every worker`,
          `before: ${before}; after ${N} concurrent GET /, one GET /message, one GET /favicon.ico, one POST / and one DELETE /: ${seen.join(', ')} from four reads`,
          short && seen.some((v) => v > before)
            ? 'Short: some GET / were not counted where every worker reads. Count in Redis, in one key that every host uses (not one made from HOST_ID): await INCR in the GET / handler, before it answers.'
            : seen.every((v) => v > want + 3)
              ? `More than the GET / the check sent: some were counted twice. nginx sends a request on to the other host when the first one times out (a proxy_read_timeout shorter than a host's answer: keep the starter's), and a GET / counts once, in its handler.`
              : seen.every((v) => v > want)
                ? 'Count GET / only: in app.get(\'/\') (or where req.method is GET and the path is /), not in a middleware for every request, nor in app.all, and not for /message or /favicon.ico.'
                : undefined,
        );
      },
    );

    // "Counts itself in Redis before it answers" is only visible when Redis is slow: the check freezes
    // its redis-server, and a GET / that waits for its INCR cannot be answered until it is back. The
    // pause is three times as long as the hosts take to answer right now (at least 300 ms, at most
    // 3 s), so a host that answers first does so within it even on a busy machine; it ends at the
    // first answer.
    await t.expect(
      'GET / waits for its count in Redis (with Redis paused, no host answers; then every one does)',
      'await redis.incr(TOTAL_KEY) before res.json(…): answer once the count is stored, so that every client that got an answer was counted.',
      async () => {
        const fourEach = <T>(fn: (app: App) => Promise<T>): Promise<T>[] => [...hosts.values()].flatMap((app) => [0, 1, 2, 3].map(() => fn(app)));
        const probed = performance.now();
        await Promise.all(fourEach((app) => app.get('/', 8000)));
        const pauseMs = Math.min(3000, Math.max(300, 3 * (performance.now() - probed)));
        type Outcome = { reply?: Reply; error?: unknown; at: number };
        let resumed = false;
        let answered: () => void = () => {};
        const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
        redis.pause();
        try {
          // Four on each host, each on a new connection: its primary hands them to both workers.
          const pending = fourEach((app) =>
            request(app.port, '/', { timeoutMs: 8000 + pauseMs }).then(
              (reply): Outcome => {
                answered();
                return { reply, at: performance.now() };
              },
              (error: unknown): Outcome => ({ error, at: performance.now() }),
            ),
          );
          await Promise.race([sleep(pauseMs), firstAnswer]);
          const resumedAt = performance.now();
          redis.resume();
          resumed = true;
          const outcomes = await Promise.all(pending);
          const early = outcomes.filter((o) => o.reply !== undefined && o.at < resumedAt);
          if (early.length > 0) {
            const first = early[0]?.reply;
            unmet(`no answer to GET / while Redis does not respond`, `${early.length} of ${outcomes.length} GET / (sent directly to the hosts) were answered while the check's Redis was paused${first ? `: ${show(first)}` : ''}`);
          }
          const failed = outcomes.filter((o) => o.reply?.status !== 200);
          if (failed.length > 0) {
            const o = failed[0];
            unmet(`all ${outcomes.length} GET / answered 200 once Redis is back`, `${failed.length} did not: ${o?.reply ? show(o.reply) : o?.error instanceof Error ? o.error.message : String(o?.error)}`);
          }
        } finally {
          if (!resumed) redis.resume();
        }
      },
    );

    let totalBeforeBroadcast: number | undefined;
    await t.expect(
      'POST /broadcast through nginx reaches every worker on both hosts (GET /message), and a second one replaces the first',
      'Publish the message on a Redis channel; in every worker, subscribe (on a second connection, before listening) and keep the last message received.',
      async () => {
        const nothingYet = await viaNginx('/message');
        if (nothingYet.status !== 200 || (nothingYet.json as { message?: unknown } | undefined)?.message !== null) {
          const said = (nothingYet.json as { message?: unknown } | undefined)?.message;
          unmet(
            'GET /message before any broadcast answers {"message": null}',
            show(nothingYet),
            nothingYet.status === 200 && said !== undefined ? `Before any broadcast a worker has no message: start from null (${JSON.stringify(said)} is a message).` : undefined,
          );
        }
        totalBeforeBroadcast = await total();
        // Two, one after the other: each worker keeps the last one it received, not the first.
        // With <, & and quotes in it and a space at each end: a worker keeps what was sent, as it
        // was (a learner probe's trim and HTML escaping passed a plain text).
        const stamp = `${process.pid}-${Date.now()}`;
        const firstMessage = ` hello <from> the check & "${stamp}" `;
        let altered: string | undefined; // what a worker answered instead: the message, changed
        for (const [nth, message] of [
          ['', firstMessage],
          [' (a second broadcast, after the first had reached every worker)', ` again <from> the check & '${stamp}' `],
        ] as const) {
          const posted = await viaNginx('/broadcast', { method: 'POST', body: { message } });
          if (posted.status < 200 || posted.status > 299) unmet(`POST /broadcast {"message"} answers 2xx${nth}`, show(posted));
          // Ask each host directly, so every worker of each one gets asked.
          const missing: string[] = [];
          const missedBy = new Map<string, 'some' | 'all'>(); // hosts whose workers missed it
          let noHost: string | undefined; // an answer with the message and a pid but no "host"
          let previous = 0; // workers still answering the first message after the second
          for (const [name, app] of hosts) {
            const workers = new Set(app.workers());
            const heard = new Map<number, unknown>();
            const deadline = Date.now() + 5000;
            // Done waiting for a worker once it has this message, or the message changed (it won't change back).
            const settled = (v: unknown): boolean => v === message || (typeof v === 'string' && v !== firstMessage && v.includes(stamp));
            while ([...workers].some((pid) => !settled(heard.get(pid))) && Date.now() < deadline) {
              for (const reply of await inParallel(4, 4, () => app.get('/message', 8000))) {
                const who = identify(reply);
                if (who) heard.set(who.pid, (reply.json as { message?: unknown }).message);
                else if (reply.status === 200 && typeof (reply.json as { pid?: unknown } | undefined)?.pid === 'number') noHost = show(reply);
              }
              if (noHost !== undefined) break;
            }
            for (const pid of workers) {
              if (heard.get(pid) !== message) {
                const got = heard.get(pid);
                if (typeof got === 'string' && got !== firstMessage && got.includes(stamp)) altered ??= got;
                missing.push(`host ${name} pid ${pid}: ${heard.has(pid) ? JSON.stringify(heard.get(pid)) : 'never answered'}`);
                missedBy.set(name, 'some');
                if (message !== firstMessage && heard.get(pid) === firstMessage) previous++;
              }
            }
            if ([...workers].every((pid) => heard.get(pid) !== message)) missedBy.set(name, 'all');
          }
          if (noHost !== undefined) unmet('GET /message answers {"pid", "host", "message"}', `${noHost}: no "host"`, 'Answer GET /message with res.json({ pid: process.pid, host: process.env.HOST_ID, message }), as GET / does.');
          // Every worker of one host has it and none of the other: the hosts listen on different channels.
          const oneHostOnly = missedBy.size === 1 && [...missedBy.values()][0] === 'all';
          if (missing.length > 0) {
            unmet(
              `every worker answers {"message": ${JSON.stringify(message)}} within 5 s${nth}`,
              missing.join('\n'),
              altered !== undefined
                ? `A worker answered ${JSON.stringify(altered)}: keep the message as it was sent, with no trimming or escaping (JSON carries <, & and quotes as they are).`
                : previous > 0
                  ? 'A worker still answers the first message: keep the last one received, lastMessage = message on every one (??= keeps the first).'
                  : oneHostOnly
                    ? 'It reached every worker of one host and none of the other: the hosts share nothing but Redis (a primary relaying over IPC reaches its own host only). Publish on a Redis channel, and subscribe in every worker of every host to that same name (not one made from HOST_ID).'
                    : undefined,
            );
          }
        }
      },
    );

    // The count's other half: the broadcast and the many GET /message above must not count either.
    await t.expect('POST /broadcast and GET /message leave /stats as it was (only GET / counts)', 'Count in the GET / handler only: not in a middleware for every request, and not in POST /broadcast.', async () => {
      const before = totalBeforeBroadcast;
      if (before === undefined) unmet('a /stats total read before the broadcast', 'the broadcast line above failed before the check could read one', 'Fix the ✗ above first: this line compares /stats before and after the broadcasts.');
      await sleep(200); // a count stored after its answer has landed by now
      const seen = await Promise.all([0, 1, 2, 3].map(() => total()));
      if (seen.some((v) => v !== before)) unmet(`{"total": ${before}} from every worker, as before the broadcast`, `after two POST /broadcast and the GET /message that read them back: ${seen.join(', ')} from four reads`);
    });

    // Last, since host b does not come back: kill it while a steady GET loop goes through nginx.
    const killed = await t.expect(
      'with host b killed, GET / through nginx keeps answering (0 failed requests)',
      "A request that hits the dead host must be tried again on the other one: proxy_next_upstream error timeout …, with proxy_next_upstream_tries unset (0: no limit) or at least 2, and the starter's proxy timeouts (one shorter than a host's answer fails requests of the live host too).",
      async () => {
        const bPids = new Set(b.program.members());
        const load = startLoad(lb.port, { concurrency: 4, timeoutMs: 8000, accept: (r) => r.status === 200 && identify(r) !== undefined });
        // Kill only once b is seen answering through nginx: then it really was in the rotation.
        await load.waitFor((s) => s.some((x) => x.ok && x.pid !== undefined && bPids.has(x.pid)), 2000);
        await sleep(50);
        const killedAt = performance.now();
        b.program.signalGroup('SIGKILL');
        await load.waitFor((s) => s.filter((x) => x.startedAt > killedAt).length >= 40, 8000);
        await sleep(killedAt + 500 - performance.now());
        const report = await load.stop();
        const after = report.samples.filter((s) => s.startedAt > killedAt);
        const fromB = after.filter((s) => s.ok && s.pid !== undefined && bPids.has(s.pid)).length;
        if (report.failed > 0) {
          const first = report.samples.find((s) => !s.ok);
          const offset = first ? Math.round(first.startedAt - killedAt) : 0;
          const when = offset >= 0 ? `${offset} ms after the kill` : `${-offset} ms before the kill (it was in flight)`;
          unmet('0 failed requests', `${report.failed} of ${report.sent} requests failed (${describeFailures(report)}); the first one started ${when}`);
        }
        if (fromB > 0) unmet('no answer from host b after its kill', `${fromB} answers came from host b's pids`);
        return { after: after.length, seconds: (performance.now() - killedAt) / 1000 };
      },
    );
    if (!killed) return t.stopHere();

    await t.expect(
      'nginx stops trying the dead host (passive health check: max_fails / fail_timeout)',
      'Let nginx mark a failing host down after a few failures: server {{HOST_B}} max_fails=1 fail_timeout=5s; (max_fails=0 turns that off, and max_fails=20 lets 20 requests find it dead first).',
      async () => {
        const attempts = lb.errorLog().split('\n').filter((l) => l.includes('connect() failed') && l.includes(`127.0.0.1:${b.port}`)).length;
        // Bounded by time, not by requests: on a quiet machine the loop sends hundreds in its half
        // second, and a share of them would let a max_fails of 50 through. Each whole second adds
        // two, for a short fail_timeout that lets nginx try the host again once it has passed.
        const allowed = 10 + 2 * Math.floor(killed.seconds);
        if (attempts > allowed) {
          unmet(
            `at most ${allowed} connection attempts to the dead host (10, and 2 more for each whole second the loop ran after the kill)`,
            `nginx tried to connect to host b ${attempts} times during ${killed.after} requests in ${killed.seconds.toFixed(1)} s after the kill (its error log)`,
          );
        }
      },
    );
  },
});
