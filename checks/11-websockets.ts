// Lesson 11: Socket.IO in a cluster. Real socket.io-client clients with the default transports
// (HTTP long-polling first, then the upgrade to WebSocket) connect to the learner's cluster one by
// one: each must connect and upgrade without a 400, learn its worker's pid from `hello`, and the
// clients must span two workers. A `say` from a client on each worker must reach every client
// exactly once, as `said` {text, from: the sender's worker}. Then one worker is SIGKILLed: the
// primary must replace it, its clients must come back, and the next `say` must reach everyone.
// The Node client opens a new connection for every polling request (xmlhttprequest-ssl, no agent),
// so a cluster that deals out connections in turn sends a session's second request to another
// worker every time: no luck is needed to see the 400.
import { io, type Socket } from 'socket.io-client';
import { coresCountHint, cpuTimeMs, isAlive, fakeCoresEnv, withPreloads, defineCheck, describeReply, quote, expectLoopbackOnly, expectPrimaryPortOnly, Fatal, loopState, pidOf, procState, sleep, slowIpcEnv, unmet, type App, type Reply } from './lib/index.ts';

/** Three on this 2-core machine: a count written in (2) or the cores in its place fails (a fresh learner's program with 2 written in passed every line). */
const WORKERS = 3;
/** The cores the program sees (fake-cores.cjs): fewer than WORKERS on any machine, so a count capped at the cores (or at twice them) shows. */
const SEEN_CORES = 1;
/** … and a second copy's, with WORKERS=1: more cores than its WORKERS, so a count raised to the cores (Math.max) shows. */
const SOLO_SEEN_CORES = 3;
/**
 * Clients connect one by one until they span two workers, at least this many (without sticky
 * routing a client connected cleanly about once in ten here: six, with one refusal forgiven,
 * about once in 100 000 runs) …
 */
const MIN_CLIENTS = 6;
/** … and at most this many. */
const MAX_CLIENTS = 12;
/**
 * The primary takes in each worker message this late (slow-ipc.cjs), as a crowded machine may: a
 * session's next request then always beats the worker's report of its id to the primary, and a
 * primary that routes an unknown id to another worker ('round-robin', 'random') refuses it. They
 * passed most runs without it (a learner probe). Far longer than a request takes on loopback.
 */
const SLOW_IPC_MS = 100;
/**
 * A connection the primary hands to a worker that is still loading its code is lost (nothing
 * listens for it yet): the client gives up on it after this long and tries again. Not shorter: a
 * connect abandoned on a crowded machine leaves a session behind whose close, a moment later,
 * changes sticky's counts under the next session (its registration race, see the README).
 */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long one client may take to connect and upgrade, retries included (a loaded machine). */
const CLIENT_MS = 30_000;
/** How long a hello may take after the connection: the server emits it on 'connection'. */
const HELLO_MS = 5000;
/** How long a said message may take to reach everyone; then how long we wait for duplicates. */
const DELIVER_MS = 5000;
const DUPLICATE_MS = 400;
/** The primary forks a replacement as soon as it hears of the death: the new process shows at once. */
const FORK_MS = 8000;
/** A replacement loads node, tsx and socket.io before it takes clients: 16 s seen on a very busy machine. */
const REPLACE_MS = 45_000;
/**
 * A process that sleeps in its event loop with its CPU time still this long has loaded its code.
 * The first clients wait for that in every worker before they connect, and the clients of a killed
 * worker before they reconnect: sticky gives every new session to the emptiest worker, and a
 * connection handed to one while it still loads is lost (the client gives up after
 * CONNECT_TIMEOUT_MS: 10 s more to a verdict).
 */
const SETTLE_MS = 300;
/** … and they wait at most this long for it. */
const SETTLE_BOUND_MS = 20_000;
/**
 * A session greeted over polling whose upgrade to WebSocket has not come this long after it opened
 * (or 8 times the slowest upgrade of the run, if more) gets a new client, once per client: its probe
 * is lost, and the server would end it only at its upgradeTimeout, 10 s (about 1 run in 10 on Node
 * 20 in a bench; upgrades otherwise took 24 ms at the median, 391 ms at most in 560, at load 10).
 */
const UPGRADE_STALL_MS = 3000;

const HINT_STICKY =
  "Every request of a session must reach the worker that opened it. Let the primary own the port and route by session: setupMaster(httpServer) from @socket.io/sticky in the primary (then httpServer.listen(PORT, '127.0.0.1')), setupWorker(io) in the workers instead of listen(). Keep setupMaster's default loadBalancingMethod, 'least-connection': with 'round-robin' or 'random' a session's next request can reach the primary before the worker's report of it, and go to another worker (the check makes that report late, as a busy machine does).";
const HINT_ADAPTER =
  "io.emit() reaches the clients of this worker only. io.adapter(createAdapter()) from @socket.io/cluster-adapter in each worker, and setupPrimary() in the primary, which relays every broadcast to the other workers.";
const HINT_READY =
  "Workers answer GET / with {\"pid\": process.pid}. With @socket.io/sticky the primary listens on PORT (host '127.0.0.1') and hands each connection to a worker; the workers call setupWorker(io) and never listen; and sticky's Buffers need cluster.setupPrimary({ serialization: 'advanced' }) before the first fork.";
const HINT_SERIALIZATION =
  "@socket.io/sticky's primary sends each connection's first bytes to a worker as a Buffer; over the default JSON IPC channel it arrives as {\"type\": \"Buffer\", \"data\": [...]}, the worker's socket fails on it and the connection closes. cluster.setupPrimary({ serialization: 'advanced' }) before the first fork.";
const HINT_TRANSPORTS =
  "Accept the default transports (long-polling first, then WebSocket): leave transports out of new Server(…). WebSocket only is the clients' choice, io(url, { transports: ['websocket'] }); a server that refuses polling refuses every default client.";
const HINT_FROM = '"from" is the pid of the worker the sender is connected to: process.pid in the worker that got the say, sent along as it is (not the socket id, nor a pid each worker puts in when it passes the message on).';
const HINT_ONE_FORK = "Fork one new worker for each one that dies, in cluster.on('exit') only: a 'disconnect' listener that forks too makes two.";
/** The hint for a wrong worker count after a death: too many is two forks for one death; too few from the start is the count itself. */
const oneForkHint = (live: number): string =>
  live < WORKERS ? `Fewer than WORKERS=${WORKERS} workers: fork Number(process.env.WORKERS) of them at the start (not capped at the core count), and one new worker for each one that dies.` : HINT_ONE_FORK;
const HINT_EMIT = "On 'say', emit 'said' to everyone, the sender included: io.emit('said', { text, from: process.pid }). socket.emit answers the sender only; socket.broadcast.emit leaves the sender out.";

/** The hint for a said that did not reach every client exactly once, by who heard it; undefined when none fits. */
function deliveryHint(clients: readonly Client[], sender: Client, text: string): string | undefined {
  const local = clients.filter((c) => c.pid === sender.pid);
  const heard = clients.filter((c) => c.saidTimes(text).length > 0);
  if (heard.length === 0 && alteredText(clients, sender, text) !== undefined) return HINT_TEXT;
  if (clients.some((c) => c.saidTimes(text).some((s) => typeof s.from === 'string' && Number(s.from) === sender.pid))) return '"from" is the pid as a number, process.pid, not a string.';
  if (heard.length === 1 && heard[0] === sender) return HINT_EMIT;
  if (heard.length === clients.length && clients.every((c) => c.saidTimes(text).length === 1)) return HINT_FROM;
  if (heard.length > 0 && heard.every((c) => c.pid === sender.pid) && heard.length === local.length) return HINT_ADAPTER;
  if (heard.length > 0 && !heard.includes(sender)) return HINT_EMIT;
  if (clients.some((c) => c.saidTimes(text).length > 1)) return 'Each said must arrive once: broadcast through one path only (the adapter already relays to the other workers).';
  // Some heard it, some did not, and none of the cases above: dropped on the way out (io.volatile
  // drops a message while the connection is still writing the one before), or a worker left out.
  if (heard.length > 0) return "Some clients never heard it: emit with io.emit, not io.volatile.emit, which drops a message while a connection is still writing the one before (as when a client says two things at once); and every worker needs the adapter to get the others' messages.";
  return undefined;
}

interface Said {
  readonly text: unknown;
  readonly from: unknown;
}

/** One socket.io-client connection and what it saw. */
class Client {
  /** The pid of every `hello`, in order: one per (re)connection. */
  readonly hellos: number[] = [];
  /** Bad `hello` payloads, as JSON. */
  readonly badHellos: string[] = [];
  /** Every `said` payload, in order. */
  readonly said: Said[] = [];
  /** Requests refused (400 …) and failed upgrades: a broken session. */
  readonly refusals: string[] = [];
  /** The last connect_error of any kind (a lost handshake times out: not a refusal). */
  lastError = '';
  /** Set when the upgrade probe failed without a refusal: this session stays on polling. */
  upgradeFailed: string | undefined;
  readonly socket: Socket;
  /** Connections so far, and the one the last hello came on: ready needs a hello on this one. */
  connections = 0;
  greetedAt = -1;
  /** When the last connection was made: a hello comes right after it, or never. */
  connectedAt = 0;
  /** When the last session opened (over polling), and how long after its opening an upgrade came. */
  openedAt = 0;
  upgradeMs: number | undefined;

  constructor(
    readonly n: number,
    port: number,
  ) {
    // Default transports: polling, then the upgrade to WebSocket. Quick retries: the check waits
    // for verdicts, not for the browser-friendly default delays (1 s and more).
    this.socket = io(`http://127.0.0.1:${port}`, { reconnectionDelay: 100, reconnectionDelayMax: 500, timeout: CONNECT_TIMEOUT_MS });
    this.socket.on('hello', (payload: unknown) => {
      const pid = (payload as { pid?: unknown } | null)?.pid;
      if (typeof pid === 'number' && Number.isInteger(pid)) {
        this.hellos.push(pid);
        this.greetedAt = this.connections;
      } else this.badHellos.push(JSON.stringify(payload) ?? String(payload));
    });
    this.socket.on('said', (payload: unknown) => {
      const p = (payload ?? {}) as { text?: unknown; from?: unknown };
      this.said.push({ text: p.text, from: p.from });
    });
    this.socket.on('connect_error', (err: Error & { description?: unknown; context?: { responseText?: unknown } }) => {
      const body = typeof err.context?.responseText === 'string' ? ` ${quote(err.context.responseText, 80)}` : '';
      this.lastError = `${err.message}${typeof err.description === 'number' ? ` (status ${err.description})` : ''}${body}`;
      if (typeof err.description === 'number' && err.description >= 400) this.refusals.push(`${err.message}: status ${err.description}${body}`);
    });
    // After the connection, a refused poll ends it: 'disconnect' with the failed request's status.
    this.socket.on('disconnect', (_reason, description) => {
      const d = description as { description?: unknown; context?: { responseText?: unknown } } | undefined;
      const body = typeof d?.context?.responseText === 'string' ? ` ${quote(d.context.responseText, 80)}` : '';
      if (typeof d?.description === 'number' && d.description >= 400) this.refusals.push(`a polling request of the session: status ${d.description}${body}`);
    });
    // The upgrade request refused (a 400 instead of 101) is "websocket error"; a probe that opened
    // and then closed ("transport closed") is no refusal: on a crowded machine the server's 10 s
    // upgradeTimeout can pass first. The check replaces such a client with a new one.
    this.socket.io.on('open', () => {
      this.openedAt = Date.now();
      this.socket.io.engine.on('upgrade', () => (this.upgradeMs = Date.now() - this.openedAt));
      this.socket.io.engine.on('upgradeError', (err: Error) => {
        if (/websocket error/.test(err.message)) this.refusals.push(`the upgrade to WebSocket was refused (${err.message})`);
        else this.upgradeFailed = err.message;
      });
    });
    this.socket.on('connect', () => {
      this.connections++;
      this.connectedAt = Date.now();
    });
  }

  /** The worker this client is connected to now: the pid of its last hello. */
  get pid(): number | undefined {
    return this.socket.connected ? this.hellos.at(-1) : undefined;
  }

  /**
   * Whether the server's handshake offered the upgrade to WebSocket: false when it allows polling
   * only (transports: ['polling']), and the session stays on polling for good. engine.io-client
   * keeps the offer in a private field (set on the handshake, before 'open').
   */
  get upgradeOffered(): boolean | undefined {
    const offer = (this.socket.io.engine as unknown as { _upgrades?: unknown } | undefined)?._upgrades;
    return this.socket.connected && Array.isArray(offer) ? offer.includes('websocket') : undefined;
  }

  get upgraded(): boolean {
    return this.socket.connected && this.socket.io.engine?.transport?.name === 'websocket';
  }

  /** Connected, greeted since the last (re)connection, upgraded. */
  get ready(): boolean {
    return this.upgraded && this.hellos.length > 0 && this.greetedAt === this.connections;
  }


  /** Greeted over polling, offered WebSocket, and still not upgraded `ms` after the session opened. */
  upgradeStalled(ms: number): boolean {
    return this.socket.connected && this.greetedAt === this.connections && this.upgradeOffered === true && !this.upgraded && Date.now() - this.openedAt > ms;
  }

  saidTimes(text: string): Said[] {
    return this.said.filter((s) => s.text === text);
  }

  describe(): string {
    const state = this.upgraded
      ? 'on WebSocket'
      : this.socket.connected
        ? `connected over ${this.socket.io.engine?.transport?.name ?? '?'}, not upgraded${this.upgradeFailed ? ` (${this.upgradeFailed})` : ''}`
        : 'not connected';
    const hello = this.hellos.length ? `hello from ${this.hellos.at(-1)}` : this.badHellos.length ? `hello was ${this.badHellos.at(-1)}` : 'no hello';
    return `client ${this.n}: ${state}, ${hello}${this.lastError && !this.socket.connected ? `, last error "${this.lastError}"` : ''}`;
  }
}

/** Wait until every client is ready (connected, greeted, upgraded) or `ms` pass; the laggards. A stalled upgrade ends the wait where `stallMs` is given. */
async function allReady(clients: readonly Client[], app: App, ms: number, stallMs?: number, stop?: () => boolean): Promise<Client[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (app.program.exit || stop?.()) return clients.filter((c) => !c.ready);
    const lagging = clients.filter((c) => !c.ready);
    if (lagging.length === 0 || Date.now() >= deadline) return lagging;
    // A refused session will not heal, nor a failed upgrade: no need to wait for the deadline.
    if (clients.some((c) => c.refusals.length > 0)) return lagging;
    if (lagging.some((c) => c.upgradeFailed && c.socket.connected && c.refusals.length === 0)) return lagging;
    if (lagging.some((c) => c.upgradeOffered === false)) return lagging;
    if (stallMs !== undefined && lagging.some((c) => c.upgradeStalled(stallMs))) return lagging;
    if (lagging.some((c) => c.socket.connected && c.greetedAt !== c.connections && Date.now() - c.connectedAt > HELLO_MS)) return lagging;
    await sleep(25);
  }
}

/** Each sender says its text; wait until every client heard them all (or DELIVER_MS), then a little more. */
async function sayAndListen(clients: readonly Client[], says: readonly { readonly sender: Client; readonly text: string }[]): Promise<void> {
  for (const { sender, text } of says) sender.socket.emit('say', text);
  const deadline = Date.now() + DELIVER_MS;
  while (Date.now() < deadline && says.some(({ text }) => clients.some((c) => c.saidTimes(text).length === 0))) await sleep(20);
  await sleep(DUPLICATE_MS);
}

/**
 * Until each of `pids` has loaded its code (asleep in its event loop, its CPU time, all threads
 * counted, unchanged for SETTLE_MS), or `ms` pass. At once where /proc cannot tell.
 */
async function settled(pids: readonly number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const still = new Map<number, { cpu: number; since: number }>();
  while (Date.now() < deadline) {
    let all = true;
    for (const pid of pids) {
      // undefined: gone (nothing to wait for), or no /proc here (nothing to tell).
      if (procState(pid) === undefined) continue;
      const asleep = loopState(pid)?.asleep === true; // undefined while it runs
      const cpu = cpuTimeMs(pid) ?? -1;
      const now = Date.now();
      const seen = still.get(pid);
      if (!asleep || seen?.cpu !== cpu) {
        still.set(pid, { cpu, since: now });
        all = false;
      } else if (now - seen.since < SETTLE_MS) all = false;
    }
    if (all) return;
    await sleep(50);
  }
}

/**
 * The workers the primary forked after `victim`, one of `before`, was killed at `killedAt`: a new
 * child shows at once (the process exists before it loads any code), so FORK_MS can be short.
 * Fails the expectation when none came, and throws Fatal when the primary died instead.
 */
async function replacement(app: App, before: readonly number[], victim: number, killedAt: number): Promise<number[]> {
  let fresh: number[] = [];
  let idle: { cpu: number; since: number } | undefined;
  // /proc shows the timeout epoll_wait was entered with, not what is left of it: a timer is due no
  // sooner than that long after the last look that saw the primary in another state.
  let state: string | undefined;
  let stateFrom = killedAt;
  let lookedAt = killedAt;
  while (Date.now() - killedAt < FORK_MS) {
    if (app.program.exit) throw new Fatal(`the primary ${app.program.exit.signal ? `was killed by ${app.program.exit.signal}` : `exited with code ${app.program.exit.code}`} after a worker died`, app.program.tail(), "The primary must outlive its workers: fork a replacement in cluster.on('exit').");
    fresh = app.workers().filter((p) => !before.includes(p));
    if (fresh.length > 0) break;
    // None is coming once the primary has reaped the dead worker and sleeps, its CPU time still,
    // with no timer due before FORK_MS is up (a fork after a delay shows as a timer).
    const loop = loopState(app.pid);
    const cpu = cpuTimeMs(app.pid);
    const now = loop?.asleep === true ? `asleep ${loop.timerMs}` : 'awake';
    if (now !== state) [state, stateFrom] = [now, lookedAt];
    lookedAt = Date.now();
    const asleep = procState(victim) === undefined && loop?.asleep === true && loop.timerMs !== undefined && (loop.timerMs < 0 || stateFrom + loop.timerMs > killedAt + FORK_MS);
    if (!asleep || cpu === undefined) idle = undefined;
    else if (idle?.cpu !== cpu) idle = { cpu, since: Date.now() };
    else if (Date.now() - idle.since >= SETTLE_MS) break;
    await sleep(40);
  }
  const waited = idle && fresh.length === 0 ? `; ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the death it sleeps with no timer that could fork one` : '';
  if (fresh.length === 0) unmet(`a new worker within ${FORK_MS / 1000} s of worker ${victim}'s death`, `the primary's workers: ${app.workers().join(', ') || 'none'}${waited}`);
  // A second fork for the same death (a 'disconnect' listener beside the 'exit' one) comes in the same moment.
  await sleep(100);
  return app.workers().filter((p) => !before.includes(p));
}

const HINT_TEXT = "Send the text on as it was said: { text, from: process.pid }, with text the string the client sent; no escaping, trimming or JSON.stringify (socket.io encodes it).";

/** A said from this sender's message that arrived changed (escaped, re-encoded): its text, if one did. */
function alteredText(clients: readonly Client[], sender: Client, text: string): string | undefined {
  const tail = text.slice(text.lastIndexOf('client')).trim();
  for (const c of clients) for (const s of c.said) if (typeof s.text === 'string' && s.text !== text && s.text.includes(tail)) return s.text;
  return undefined;
}

/** What went wrong with one `say`, or undefined: each client heard it once, from the sender's worker. */
function delivery(clients: readonly Client[], sender: Client, text: string): string | undefined {
  const from = sender.pid;
  const missing = clients.filter((c) => c.saidTimes(text).length === 0);
  const twice = clients.filter((c) => c.saidTimes(text).length > 1);
  const wrongFrom = clients.flatMap((c) => c.saidTimes(text)).filter((s) => s.from !== from);
  if (missing.length === 0 && twice.length === 0 && wrongFrom.length === 0) return undefined;
  const parts = [`client ${sender.n} (on worker ${from}) said "${text}"`];
  const byWorker = (list: readonly Client[]): string => list.map((c) => `${c.n} (worker ${c.pid ?? '?'})`).join(', ');
  if (missing.length) parts.push(`never heard by client${missing.length === 1 ? '' : 's'} ${byWorker(missing)}`);
  if (twice.length) parts.push(`heard more than once by ${twice.map((c) => `${c.n} (${c.saidTimes(text).length} times)`).join(', ')}`);
  if (wrongFrom.length) parts.push(`"from" was ${JSON.stringify(wrongFrom[0]?.from)}, not the sender's worker pid ${from}`);
  const heard = clients.filter((c) => c.saidTimes(text).length > 0);
  if (heard.length) parts.push(`heard by ${byWorker(heard)}`);
  const altered = alteredText(clients, sender, text);
  if (altered !== undefined) parts.push(`heard instead as ${JSON.stringify(altered)}`);
  return parts.join('; ');
}

export default defineCheck({
  timeoutMs: 180_000, // about 9 s on a quiet machine (Node 24), 10-25 s at a load average of 30; room for worse
  async run(t) {
    // @socket.io/sticky's primary accepts connections at once and may hand the first ones to a
    // worker still loading its code, where they are lost: a few unanswered GET / are no verdict.
    // A connection closed at once, again and again, is no start: say why instead of waiting 45 s.
    // A second copy, WORKERS=1, is only counted: it starts first, so that its cold start overlaps the main one's.
    const solo = await t.spawnApp({ env: { WORKERS: '1', ...fakeCoresEnv(SOLO_SEEN_CORES) } });
    const app = await t.start({ env: { WORKERS: String(WORKERS), ...withPreloads(slowIpcEnv(SLOW_IPC_MS), fakeCoresEnv(SEEN_CORES)) }, readyMs: 45_000, hungAfter: 10, readyHint: HINT_READY, closed: { after: 5, hint: HINT_SERIALIZATION } });
    const clients: Client[] = [];
    /** Workers the primary forked after the check's first kill. */
    const replaced: number[] = [];
    t.defer(() => {
      for (const c of clients) c.socket.close();
      for (const c of spent) c.socket.close();
    });
    /** Clients given up and closed (a failed upgrade probe, a forgiven refusal). */
    const spent: Client[] = [];
    /**
     * The refusals of the one refused session forgiven in a run: @socket.io/sticky's primary may
     * route a session's second request before the worker's IPC report of its sid has arrived, and
     * pick another worker (a race, seen on a crowded machine even with least-connection). A
     * cluster without sticky routing refuses nearly every session: it cannot pass on one.
     */
    const forgiven: string[] = [];

    /** When a greeted session's upgrade counts as lost: UPGRADE_STALL_MS, or 8 times the run's slowest upgrade so far. */
    const stallMs = (): number => Math.max(UPGRADE_STALL_MS, 8 * Math.max(0, ...[...clients, ...spent].map((c) => c.upgradeMs ?? 0)));
    /**
     * A new client n, connected, greeted and upgraded (or not, when it gives up). A failed upgrade
     * probe (no refusal) gets a new client, twice; a stalled upgrade, once; one refused session per
     * run gets a new client.
     */
    // Workers that keep exiting before anything kills them (a worker that still calls listen() dies
    // of EADDRINUSE, the primary holding PORT for setupMaster, and is replaced, again and again): a
    // client waited its 30 s, and the ✗ spoke of routing. Two workers seen since the start gone is
    // it, judged at the connect line (the GET / line before it stops asking then, and leaves it there).
    const everSeen = new Set(app.workers());
    const exited = (): number[] => {
      for (const pid of app.workers()) everSeen.add(pid);
      return [...everSeen].filter((pid) => !isAlive(pid));
    };
    const dying = (): boolean => exited().length >= 2;
    const connect = async (n: number): Promise<Client> => {
      let client = new Client(n, app.port);
      let stallCut = true; // one new client for a lost upgrade; the next one waits for its own
      for (let probes = 0; ; ) {
        await allReady([client], app, CLIENT_MS, stallCut ? stallMs() : undefined, dying);
        const stalled = stallCut && !client.ready && client.upgradeStalled(stallMs());
        const retryProbe = !stalled && !client.ready && client.upgradeFailed !== undefined && client.refusals.length === 0 && probes++ < 2;
        const forgive = !stalled && client.refusals.length > 0 && forgiven.length === 0;
        if (stalled) stallCut = false;
        else if (!retryProbe && !forgive) return client;
        if (forgive) forgiven.push(...client.refusals);
        client.socket.close();
        spent.push(client);
        client = new Client(n, app.port);
      }
    };

    await expectLoopbackOnly(t, app);
    await expectPrimaryPortOnly(t, app, "The primary routes connections on PORT (sticky's setupMaster) and serves nothing else: no health port, no second server. A worker's listen() counts too: in a cluster the primary binds every port a worker listens on, listen(0) included. In the workers, setupWorker(io) and no listen().");

    await t.expect('GET / answers JSON {"pid"} with the pid of one of the workers', "Keep lesson 03's route in the workers: app.get('/', (_req, res) => res.json({ pid: process.pid })).", async () => {
      // A connection lost to a worker still starting times out: ask again, a few times.
      let seen = '';
      for (let attempt = 0; attempt < 4; attempt++) {
        if (dying()) return; // workers that keep dying: the connect line says so, with their output
        let reply: Reply;
        try {
          reply = await app.get('/', 5000);
        } catch (err) {
          if (dying()) return;
          seen = err instanceof Error ? err.message : String(err);
          continue;
        }
        const pid = pidOf(reply);
        const workers = app.workers();
        if (reply.status === 200 && pid !== undefined && workers.includes(pid)) return;
        seen = `${describeReply(reply)}${pid === app.pid ? ': the primary answered itself' : ''}; the workers are ${workers.join(', ') || 'none'}`;
        break;
      }
      unmet('status 200 and JSON whose "pid" is one of the workers\'', seen);
    });

    // The first GET / answered proves one worker loaded; sticky hands new sessions to the others
    // too, and one handed to a worker still loading is lost for CONNECT_TIMEOUT_MS (1 run in 15,
    // 10 s more to a verdict): the clients start once every worker has loaded its code.
    await settled(app.workers(), SETTLE_BOUND_MS);

    await t.expect(
      'every client connects with the default transports and upgrades to WebSocket, with no request refused (400)',
      HINT_STICKY,
      async () => {
        // One by one: a router that counts each worker's sessions sees the earlier ones.
        for (let n = 1; n <= MAX_CLIENTS; n++) {
          const client = await connect(n);
          clients.push(client);
          // Nothing later can be judged without connected clients: a failure here ends the check.
          if (client.refusals.length > 0) {
            const why = [...new Set([...forgiven, ...client.refusals])].slice(0, 3).join('; ');
            const times = forgiven.length > 0 ? ` (the run's second refused session: one is forgiven, see the README)` : '';
            throw new Fatal(`client ${n} refused: ${why}${times}`, '', /Transport unknown/.test(why) ? HINT_TRANSPORTS : HINT_STICKY);
          }
          if (!client.ready) {
            if (dying()) {
              throw new Fatal(
                `workers ${exited().join(', ')} exited while client ${n} connected, and the primary has ${app.workers().length} live now: your workers keep dying. Its last output:`,
                app.program.tail(),
                "Read the output above for why. With sticky sessions the primary holds PORT (setupMaster(httpServer, …)): a worker that also calls httpServer.listen() fails with EADDRINUSE. In the workers, setupWorker(io) and no listen().",
              );
            }
            if (client.socket.connected && client.greetedAt !== client.connections) {
              const got = client.badHellos.length ? `hello was ${client.badHellos.at(-1)}` : `no hello within ${HELLO_MS / 1000} s`;
              throw new Fatal(`client ${n} connected, but ${got}`, '', "On connection, emit hello with the worker's pid: socket.emit('hello', { pid: process.pid }).");
            }
            if (client.upgradeOffered === false) throw new Fatal(`client ${n} connected over polling, and the server's handshake offered no upgrade to WebSocket`, client.describe(), HINT_TRANSPORTS);
            throw new Fatal(`client ${n} did not connect, get its hello and upgrade to WebSocket within ${CLIENT_MS / 1000} s`, client.describe(), HINT_STICKY);
          }
          const pids = new Set(clients.map((c) => c.pid));
          if (clients.length >= MIN_CLIENTS && pids.size >= 2) break;
        }
      },
    );

    await t.expect(
      `each hello names a worker of the primary, never the primary itself, and the clients land on at least two of the ${WORKERS} workers`,
      'Only the workers run Socket.IO; the primary routes connections and serves nothing. New sessions go to the worker with the fewest (setupMaster\'s default, least-connection).',
      async () => {
        const workers = app.workers();
        const pids = [...new Set(clients.map((c) => c.pid))];
        const strangers = pids.filter((p) => p === undefined || !workers.includes(p));
        if (workers.length !== WORKERS) unmet(`${WORKERS} live workers (WORKERS=${WORKERS})`, `the primary (${app.pid}) has ${workers.length}: ${workers.join(', ') || 'none'}`, coresCountHint(SEEN_CORES, workers.length, WORKERS) ?? 'Fork WORKERS workers, as in lesson 03.');
        if (strangers.includes(app.pid)) unmet('hello {"pid": <a worker\'s pid>}', `a client got hello from the primary itself (${app.pid}); the workers are ${workers.join(', ')}`, 'The primary must not run a Socket.IO server or serve HTTP: only route connections to the workers.');
        if (strangers.length) unmet(`hello pids among the primary's workers (${workers.join(', ')})`, `hello named ${strangers.join(', ')}`);
        if (pids.length < 2) {
          // More hellos than connections: each new client's hello went to every client.
          const toAll = clients.some((c) => c.hellos.length > c.connections);
          unmet(
            `${clients.length} clients, connected one after the other, on at least two workers`,
            `all ${clients.length} are on worker ${pids[0]}${toAll ? ` (by the last hello each heard: ${Math.max(...clients.map((c) => c.hellos.length))} hellos came to one client)` : ''}; the primary's workers: ${workers.join(', ')}`,
            toAll ? "Say hello to the client that connected only: socket.emit('hello', { pid: process.pid }) in io.on('connection'). io.emit sends it to every client, and each takes the newest one for its own." : undefined,
          );
        }
      },
    );

    await t.expect(
      `with WORKERS=1, a second copy that sees ${SOLO_SEEN_CORES} cores runs exactly 1 worker`,
      'WORKERS is the count whatever the cores: fork Number(process.env.WORKERS) workers, not Math.max(WORKERS, cores).',
      async () => {
        if (!(await solo.answering(30_000))) unmet('WORKERS=1 starts and answers GET /', `it ${solo.exit ? solo.exitText() : 'never answered in 30 s'}. Its last output:\n${solo.program.tail()}`);
        // Forks come at start; one more second catches a primary that forks the rest a little later.
        let most = solo.workers();
        for (const until = performance.now() + 1000; performance.now() < until; ) {
          await sleep(100);
          const now = solo.workers();
          if (now.length > most.length) most = now;
        }
        await solo.program.stop(); // counted: it would only take CPU from the main copy
        if (most.length !== 1) unmet(`1 live worker (WORKERS=1)`, `the primary (${solo.pid}) has ${most.length}: ${most.join(', ') || 'none'}`, coresCountHint(SOLO_SEEN_CORES, most.length, 1) ?? 'Fork WORKERS workers, as in lesson 03.');
      },
    );

    // One sender on each of two workers: the second proves the way back too.
    const senders = [...new Map(clients.map((c) => [c.pid, c])).values()].slice(0, 2);
    await t.expect(
      'a message said by a client reaches every client on every worker exactly once, as said {text, from: the pid of the sender\'s worker}',
      HINT_ADAPTER,
      async () => {
        // With <, & and quotes in it, and spaces around it: the text arrives as said, not escaped,
        // re-encoded or trimmed. Two from each sender at once, as a chat client may send them: a
        // worker that emits 'said' with io.volatile drops the second while it writes the first (a
        // learner probe's passed 9 runs in 10 with one each).
        const says = senders.flatMap((sender, i) => [1, 2].map((k) => ({ sender, text: ` <hello & "welcome"> from client ${sender.n}, #${i + 1}.${k} ` })));
        await sayAndListen(clients, says);
        for (const { sender, text } of says) {
          const wrong = delivery(clients, sender, text);
          if (!wrong) continue;
          unmet(`every one of the ${clients.length} clients hears said {"text": "${text}", "from": ${sender.pid}} exactly once`, wrong, deliveryHint(clients, sender, text));
        }
      },
    );

    await t.expect(
      'after a worker is killed with SIGKILL, the primary forks a replacement, its clients reconnect, and the next message reaches every client once',
      "Replace a worker that dies, whatever its exit code or signal (one killed by SIGKILL has code null), and within 8 s: cluster.on('exit', () => cluster.fork()) in the primary (lesson 04). Its clients reconnect by themselves; the primary routes their new sessions to a live worker.",
      async () => {
        const before = app.workers();
        const victim = senders.map((c) => c.pid).find((p) => p !== undefined && before.includes(p));
        if (victim === undefined) unmet('a worker with clients, to kill', `no client is on one of the primary's workers (${before.join(', ') || 'none'})`, 'Only the workers run Socket.IO; the primary routes connections.');
        const orphans = clients.filter((c) => c.hellos.at(-1) === victim);
        // They come back once the replacement has loaded (see SETTLE_MS), not before.
        for (const c of orphans) c.socket.io.reconnection(false);
        process.kill(victim, 'SIGKILL');
        const killedAt = Date.now();
        const fresh = await replacement(app, before, victim, killedAt);
        replaced.push(...fresh);
        if (fresh.length > 1) unmet(`one new worker for the one that died (${WORKERS} in all)`, `${fresh.length} new workers (${fresh.join(', ')}) beside ${before.length - 1} survivors: ${app.workers().length} live workers`, HINT_ONE_FORK);
        await settled(fresh, SETTLE_BOUND_MS);
        for (const c of orphans) c.socket.io.reconnection(true);
        // Its clients come back: a new hello, from a live worker, over WebSocket.
        const deadline = killedAt + REPLACE_MS;
        let lagging: Client[] = [];
        for (;;) {
          const live = app.workers();
          lagging = clients.filter((c) => !(c.ready && c.pid !== undefined && c.pid !== victim && live.includes(c.pid)));
          if (lagging.length === 0 || Date.now() >= deadline) break;
          // An orphan whose connection closed while its reconnection was off: it would not try again.
          for (const c of orphans) if (clients.includes(c) && !c.socket.connected && c.socket.io._readyState === 'closed' && !c.socket.io._reconnecting) c.socket.connect();
          // A client whose upgrade probe failed or stalled, or the one forgiven refusal: a new client instead.
          const stuck = lagging.find((c) => (c.socket.connected && c.upgradeFailed !== undefined && c.refusals.length === 0) || c.upgradeStalled(stallMs()) || (c.refusals.length > 0 && forgiven.length === 0));
          if (stuck) {
            const i = clients.indexOf(stuck);
            clients[i] = await connect(stuck.n);
            if (stuck.refusals.length > 0 && forgiven.length === 0) forgiven.push(...stuck.refusals);
            stuck.socket.close();
            spent.push(stuck);
            continue;
          }
          await sleep(40);
        }
        if (lagging.length > 0) unmet(`every client (${orphans.length} of them were on worker ${victim}) reconnected to a live worker and upgraded within ${REPLACE_MS / 1000} s`, lagging.map((c) => c.describe()).join('\n'));
        // An orphan replaced by a new client above is closed: speak through the client that holds its number now.
        const sender = clients.find((c) => orphans.some((o) => o.n === c.n)) ?? clients[0];
        if (!sender) throw new Fatal('no client is connected');
        const text = `after worker ${victim} died`;
        await sayAndListen(clients, [{ sender, text }]);
        const wrong = delivery(clients, sender, text);
        if (wrong) unmet(`every client hears said {"text": "${text}", "from": ${sender.pid}} exactly once`, wrong, deliveryHint(clients, sender, text) ?? HINT_ADAPTER);
        const refused = clients.find((c) => c.refusals.length > 0);
        if (refused) unmet('no request refused after the reconnection (one refused session in a run is forgiven)', `client ${refused.n}: ${[...new Set(refused.refusals)].slice(0, 3).join('; ')}`, HINT_STICKY);
        const live = app.workers();
        if (live.length !== WORKERS) unmet(`${WORKERS} live workers once the replacement is in (WORKERS=${WORKERS})`, `${live.length}: ${live.join(', ') || 'none'}`, oneForkHint(live.length));
      },
    );

    // cluster.once('exit') replaces the first death only: a second one shows it. And the second is
    // the replacement itself: an 'exit' listener put on each of the first workers only (a learner
    // probe's, worker.on('exit') in the fork loop) passed when the check killed an original.
    await t.expect(
      `the replacement, killed with SIGKILL in its turn, is replaced too, and there are ${WORKERS} workers again`,
      "Replace every worker that dies, for as long as the primary runs: cluster.on('exit', …), not cluster.once, not a listener on each of the first workers only (a replacement needs one too), and no give-up after a few deaths (two kills seconds apart are no crash loop).",
      async () => {
        const before = app.workers();
        const victim = replaced.find((p) => before.includes(p)) ?? before[0];
        if (victim === undefined) unmet('a live worker to kill', 'the primary has none');
        process.kill(victim, 'SIGKILL');
        const fresh = await replacement(app, before, victim, Date.now());
        const live = app.workers();
        if (fresh.length !== 1 || live.length !== WORKERS) unmet(`one new worker for worker ${victim}, ${WORKERS} in all`, `${fresh.length} new (${fresh.join(', ')}); live workers: ${live.join(', ') || 'none'}`, fresh.length > 1 ? HINT_ONE_FORK : oneForkHint(live.length));
      },
    );
  },
});
