// The reaper's watchdog (see group.ts): a small process of its own, in its own session, that
// outlives the harness process that started it. The harness tells it, one line at a time on its
// stdin, what it started (`+g PGID` a process group, `+m KEY=VALUE` an environment marker such as
// PM2_HOME=…, `+d PATH` a temporary folder; `-…` when that is gone). When its stdin closes, the
// harness has ended, however: an exit, a crash, SIGINT, SIGTERM or SIGKILL. Then it sends TERM,
// and KILL a second later, to every tracked group and every live process that carries a tracked
// marker (the harness's own run marker is always one), removes the folders, and exits.
// Plain JavaScript so it starts fast on every supported Node, without a loader.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';

const [, , token = ''] = process.argv;
const harness = process.ppid;
const groups = new Set();
const markers = new Set([`${token}=1`]);
const dirs = new Set();
const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

// Ctrl-C reaches the whole foreground group and a CI runner may signal the whole tree: only the end
// of our stdin ends us.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => {});

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
    apply(pending.slice(0, i));
    pending = pending.slice(i + 1);
  }
});
process.stdin.on('end', () => void reap());
process.stdin.on('error', () => void reap());

function apply(line) {
  const add = line[0] === '+';
  const arg = line.slice(3);
  const set = { g: groups, m: markers, d: dirs }[line[1]];
  if (!set || arg === '' || arg === `${token}=1`) return;
  const value = line[1] === 'g' ? Number(arg) : arg;
  if (add) set.add(value);
  else set.delete(value);
}

/** Live processes (zombies excluded) in a tracked group or carrying a tracked marker. */
function targets() {
  const found = [];
  if (!hasProc) {
    const out = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat='], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      const [pid, pgid, stat = ''] = line.trim().split(/\s+/);
      if (groups.has(Number(pgid)) && !stat.startsWith('Z') && Number(pid) !== process.pid) found.push(Number(pid));
    }
    return found;
  }
  const wanted = [...markers].map((m) => `\0${m}\0`);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid || pid === harness) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      if (groups.has(Number(fields[2]))) {
        found.push(pid);
        continue;
      }
      const env = `\0${readFileSync(`/proc/${name}/environ`, 'latin1')}\0`;
      if (wanted.some((m) => env.includes(m))) found.push(pid);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

function send(sig, pids) {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, sig);
    } catch {
      // No member left.
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Gone meanwhile.
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let reaping = false;
async function reap() {
  if (reaping) return;
  reaping = true;
  const started = Date.now();
  let left = targets();
  if (left.length > 0) {
    send('SIGTERM', left);
    while ((left = targets()).length > 0 && Date.now() - started < 1000) await sleep(50);
    while (left.length > 0 && Date.now() - started < 4000) {
      send('SIGKILL', left);
      await sleep(50);
      left = targets();
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
