// Lesson 03: the primary forks os.availableParallelism() workers, or WORKERS of them; a WORKERS that
// is not a whole number of at least 1 is refused (a message naming WORKERS, a non-zero exit)
// before anything is forked or serves. Every start is launched up front, so that their cold starts
// overlap. "Forked nothing" is judged from SpawnLog (a preload that records each child process the
// primary starts, synchronously): watching the process table instead races with the orphans, which
// die on their own a moment after a primary that forked and then refused.
import os from 'node:os';
import { defineCheck, exposedAddresses, freePort, isToolchainHelper, listeningPorts, LOOPBACK_HINT, pidOf, request, sleep, SpawnLog, unmet, type Program } from './lib/index.ts';

/**
 * How long a refusal may take: three times what the default start took to answer, at least 5 s. A
 * refusal is a primary's start alone, cheaper than a primary plus a worker, and all of them started
 * at the same moment on the same machine: under heavy load both grow (a fixed 15 s was exceeded
 * once in 20 at a load average of 110). Until the default start answers, the check's own bound.
 */
const REFUSE_AT_LEAST_MS = 5_000;
const BAD_VALUES = ['0', '-2', '1.5', 'abc'];

/** The workers of a running primary: its live children, tsx's esbuild helper left out. */
const workersOf = (program: Program): number[] => program.children().filter((pid) => !isToolchainHelper(pid));

async function pidAt(port: number): Promise<number | undefined> {
  try {
    return pidOf(await request(port, '/', { timeoutMs: 1500 }));
  } catch {
    return undefined;
  }
}

/**
 * Wait (bounded) until all `want` workers have answered GET / over fresh connections — or every
 * live child answered and a second and a half passed (fewer were forked) — then say which pids
 * answered and which children the primary has.
 */
async function census(program: Program, port: number, want: number, ms: number): Promise<{ answered: Set<number>; children: number[] }> {
  const answered = new Set<number>();
  const since = Date.now();
  for (;;) {
    const children = workersOf(program);
    const all = children.length > 0 && children.every((pid) => answered.has(pid));
    const settled = all && (children.length >= want || Date.now() - since > 1500);
    const askMany = Math.max(4, children.length * 2);
    if (program.exit || settled || Date.now() - since > ms) {
      // One more round, so that a program that also answers from the primary is seen doing so.
      for (const pid of await Promise.all(Array.from({ length: askMany }, () => pidAt(port)))) if (pid !== undefined) answered.add(pid);
      return { answered, children: workersOf(program) };
    }
    for (const pid of await Promise.all(Array.from({ length: askMany }, () => pidAt(port)))) if (pid !== undefined) answered.add(pid);
    await sleep(50);
  }
}

/** "exited with code 1", "was killed by SIGTERM" */
const describe = (program: Program): string =>
  program.exit?.signal ? `was killed by ${program.exit.signal}` : `exited with code ${program.exit?.code ?? '?'}`;

/** "runs 3 workers (a, b, c), all of them answered" — or what went wrong, in words. */
function verdict(program: Program, port: number, want: number, got: { answered: Set<number>; children: number[] }): string | undefined {
  const { answered, children } = got;
  if (program.exit) {
    const how = program.exit.signal ? `was killed by ${program.exit.signal}` : `exited with code ${program.exit.code}`;
    return `the program ${how}. Its last output:\n${program.tail()}`;
  }
  const silent = children.filter((pid) => !answered.has(pid));
  const strangers = [...answered].filter((pid) => !children.includes(pid));
  const primary = strangers.includes(program.pid);
  // The primary holds PORT's socket for its workers; any other port is a server of its own.
  const ownPorts = listeningPorts([program.pid]).filter((p) => p !== port);
  if (children.length === want && silent.length === 0 && strangers.length === 0 && ownPorts.length === 0) return undefined;
  const parts = [`the primary (${program.pid}) has ${children.length} live worker${children.length === 1 ? '' : 's'}${children.length ? ` (${children.join(', ')})` : ''}`];
  parts.push(answered.size === 0 ? 'nothing answered GET /' : `GET / was answered by ${[...answered].join(', ')}`);
  if (primary) parts.push('the primary answered itself: it must not listen');
  if (ownPorts.length) parts.push(`the primary listens on port ${ownPorts.join(', ')}: it must listen on nothing`);
  if (silent.length) parts.push(`never answered: ${silent.join(', ')}`);
  return parts.join('; ');
}

interface Refusal {
  readonly value: string;
  readonly program: Program;
  /** Every child process the primary started. */
  readonly log: SpawnLog;
  /** Set when an answer came from the port while it was meant to refuse. */
  answeredWith?: string;
  /** Resolves when the program has exited or the bound has passed. */
  done?: Promise<void>;
}

export default defineCheck({
  timeoutMs: 60_000, // about 5.5 s on a quiet machine; room for a crowded one
  async run(t) {
    const cores = os.availableParallelism();

    // Launch everything at once: the default and the counted starts, and the starts that must be
    // refused (watched from their first moment: a refusal must come before anything answers).
    const launched = Date.now();
    let refuseWithin = Infinity; // set once the default start has answered
    const refusals: Refusal[] = [];
    for (const value of BAD_VALUES) {
      const port = await freePort();
      const log = new SpawnLog();
      t.defer(() => log.remove());
      const refusal: Refusal = { value, log, program: await t.spawn({ env: { WORKERS: value, ...log.env }, port }) };
      // Watch until the verdict is known: it exited, it answered, or it forked.
      refusal.done = (async () => {
        while (!refusal.program.exit && refusal.answeredWith === undefined && log.forks().length === 0 && Date.now() < launched + refuseWithin) {
          try {
            const reply = await request(port, '/', { timeoutMs: 1000 });
            refusal.answeredWith ??= `status ${reply.status}, body ${reply.body.slice(0, 100)}`;
          } catch {
            // Refused or no answer: nothing is serving, as it should be.
          }
          await sleep(50);
        }
      })();
      refusals.push(refusal);
    }
    const counted = await Promise.all(
      [
        { label: 'empty', env: { WORKERS: '' }, want: cores },
        { label: '3', env: { WORKERS: '3' }, want: 3 },
        { label: '1', env: { WORKERS: '1' }, want: 1 },
      ].map(async (run) => {
        const port = await freePort();
        return { ...run, port, program: await t.spawn({ env: run.env, port }) };
      }),
    );

    const app = await t.start({ env: { WORKERS: undefined }, name: 'server.ts starts with WORKERS unset and answers GET / on PORT', readyMs: 20_000 });
    refuseWithin = Math.max(REFUSE_AT_LEAST_MS, 3 * (Date.now() - launched));

    await t.expect(
      `with WORKERS unset it runs one worker per core (${cores} here), and all of them answer`,
      'Fork os.availableParallelism() workers when WORKERS is unset, each listening on PORT; the primary listens on nothing.',
      async () => {
        const got = await census(app.program, app.port, cores, 10_000);
        const wrong = verdict(app.program, app.port, cores, got);
        if (wrong) unmet(`${cores} live workers (os.availableParallelism() on this machine), each answering GET / with its own pid`, wrong);
      },
    );

    await t.expect('PORT is bound to 127.0.0.1 only, not to every network interface', LOOPBACK_HINT, async () => {
      const exposed = exposedAddresses(app.program.members(), app.port);
      if (exposed.length > 0) unmet(`port ${app.port} bound to 127.0.0.1`, `port ${app.port} is bound to ${exposed.map((h) => `"${h}"`).join(' and ')}: every network interface`);
    });

    await t.expect('GET /work?n=25 answers JSON with the pid of a worker, as in lesson 02', "Keep lesson 02's /work route in the workers: res.json({ pid: process.pid, n, result: fib(n) }).", async () => {
      const reply = await app.get('/work?n=25', 10_000);
      const pid = pidOf(reply);
      const workers = workersOf(app.program);
      if (reply.status !== 200 || pid === undefined || !workers.includes(pid)) {
        unmet(`status 200 and JSON whose "pid" is one of the workers' (${workers.join(', ')})`, `status ${reply.status}, body ${reply.body.slice(0, 200)}`);
      }
    });

    for (const run of counted) {
      const name =
        run.label === 'empty'
          ? `with WORKERS empty it runs the default ${cores} workers as well`
          : `with WORKERS=${run.label} it runs ${run.want} live worker${run.want === 1 ? '' : 's'}, and ${run.want === 1 ? 'it answers' : 'all of them answer'}`;
      const hint =
        run.label === 'empty'
          ? 'An empty WORKERS means "not set": use the default. Number("") is 0, so test for the empty string first.'
          : 'Read process.env.WORKERS in the primary, turn it into a number, and fork that many workers.';
      await t.expect(name, hint, async () => {
        const got = await census(run.program, run.port, run.want, 15_000);
        const wrong = verdict(run.program, run.port, run.want, got);
        if (wrong) unmet(`${run.want} live worker${run.want === 1 ? '' : 's'}, each answering GET / with its own pid`, wrong);
      });
    }

    for (const refusal of refusals) {
      await t.expect(
        `WORKERS=${refusal.value} is refused: a message naming WORKERS, a non-zero exit, nothing forked or served`,
        'Check WORKERS before forking: if Number(WORKERS) is not a whole number of at least 1, console.error a message that names WORKERS and process.exit(1).',
        async () => {
          await refusal.done;
          const { program } = refusal;
          const within = Math.round(refuseWithin / 1000);
          const expected = `the program prints a message naming WORKERS and exits with a non-zero code within ${within} s, without forking a worker or answering any request`;
          const forks = refusal.log.forks();
          if (forks.length > 0) {
            const pids = forks.map((f) => f.pid ?? '?').join(', ');
            unmet(
              expected,
              `the primary forked ${forks.length} process${forks.length === 1 ? '' : 'es'} (${pids})${program.exit ? ` before it ${describe(program)}` : ''}` +
                (program.output.includes('EPIPE') ? '; left without a primary, they died with "Error: write EPIPE"' : ''),
              'Decide the count, and refuse a bad WORKERS, before the first cluster.fork(): a refused start forks nothing.',
            );
          }
          if (refusal.answeredWith) unmet(expected, `it answered GET / (${refusal.answeredWith})`);
          if (!program.exit) {
            const workers = workersOf(program);
            unmet(expected, `it was still running after ${within} s, with ${workers.length} worker${workers.length === 1 ? '' : 's'}. Its last output:\n${program.tail()}`);
          }
          if (program.exit.code === 0) unmet(expected, `it exited with code 0, which tells a script that all went well. Its last output:\n${program.tail()}`);
          if (!program.output.includes('WORKERS')) unmet(expected, `it ${describe(program)}, but its output does not mention WORKERS:\n${program.tail()}`);
        },
      );
    }
  },
});

