// The check's own nginx and redis-server (lesson 09): they start from a temporary folder, say what
// is wrong in the learner's words, and leave no process and no folder behind.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Fatal, fillTemplate, freePort, request, startNginx, startRedis } from '../checks/lib/index.ts';
import { survivors } from '../checks/lib/runner.ts';
import { findBinary } from '../checks/lib/service.ts';

/** The one part of a check's context the services use, and the clean-up it collected. */
function context(): { t: { defer(fn: () => Promise<void> | void): void }; cleanUp(): Promise<void> } {
  const deferred: (() => Promise<void> | void)[] = [];
  return {
    t: { defer: (fn) => deferred.push(fn) },
    async cleanUp() {
      for (const fn of deferred.reverse()) await fn();
    },
  };
}

const alive = survivors;

async function fatalOf(p: Promise<unknown> | (() => unknown)): Promise<Fatal> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof Fatal) return err;
    throw err;
  }
  throw new Error('expected a Fatal');
}

describe('nginx and redis-server for lesson 09', () => {
  it('a missing program is explained with the install line for Debian/Ubuntu and macOS', async () => {
    const err = await fatalOf(() => findBinary('no-such-program-workshop', { debian: 'sudo apt-get install -y x', mac: 'brew install x' }));
    expect(err.message).toMatch(/no-such-program-workshop is not installed/);
    expect(err.hint).toMatch(/Debian\/Ubuntu: sudo apt-get install -y x/);
    expect(err.hint).toMatch(/macOS \(Homebrew\): brew install x/);
  });

  it('fills the placeholders and names an unknown one', async () => {
    expect(fillTemplate('listen 127.0.0.1:{{LISTEN_PORT}}; server {{ HOST_A }};', { LISTEN_PORT: '8080', HOST_A: '127.0.0.1:1' }, 'x/nginx.conf')).toBe(
      'listen 127.0.0.1:8080; server 127.0.0.1:1;',
    );
    const err = await fatalOf(() => fillTemplate('server {{HOST_C}};', { HOST_A: 'a' }, 'x/nginx.conf'));
    expect(err.message).toBe('x/nginx.conf uses the placeholder {{HOST_C}}, which the check does not know');
  });

  it('redis-server answers, then is gone with its folder', async () => {
    const { t, cleanUp } = context();
    const redis = await startRedis(t);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(existsSync(redis.dir)).toBe(true);
    await cleanUp();
    expect(existsSync(redis.dir)).toBe(false);
    expect(alive()).toEqual([]);
  });

  it('nginx serves the learner configuration, then is gone with its folder', async () => {
    const port = await freePort();
    const { t, cleanUp } = context();
    const nginx = await startNginx(t, { port, shownPath: 'x/nginx.conf', httpConf: `server { listen 127.0.0.1:${port}; location / { return 200 'hi'; } }` });
    const reply = await request(nginx.port, '/');
    expect(reply.body).toBe('hi');
    await cleanUp();
    expect(alive()).toEqual([]);
    expect(existsSync(nginx.dir)).toBe(false);
  });

  it('a configuration nginx refuses is reported at the learner\'s file and line', async () => {
    const port = await freePort();
    const { t, cleanUp } = context();
    const err = await fatalOf(startNginx(t, { port, shownPath: 'lessons/09/nginx.conf', httpConf: `# one\nserver {\n  listen 127.0.0.1:${port};\n  proxy_pas http://x;\n}\n` }));
    await cleanUp();
    expect(err.message).toBe('nginx refused the configuration:');
    expect(err.detail).toMatch(/unknown directive "proxy_pas" in lessons\/09\/nginx\.conf:4/);
    expect(alive()).toEqual([]);
  });
});
