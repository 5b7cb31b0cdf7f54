// Runs in every test worker before its test file: nothing the tests start may outlive the run,
// however it is stopped (issue 18).
import { reaper } from '../checks/lib/group.ts';

// The watchdog from the start, so that what a test starts outside the harness (Chromium, an npm
// command, tmux) and inherits the run marker is ended too if this worker dies by a signal.
reaper.watch();

// Vitest stopped by SIGTERM (a CI runner, `timeout`, an editor's test panel) exits without ending
// its fork workers: one would go on running checks, starting programs, until it next reports. Its
// IPC channel closes at that moment: end what we started and this worker with it.
if (process.send) {
  process.once('disconnect', () => {
    reaper.killAllNow();
    process.kill(process.pid, 'SIGKILL');
  });
}
