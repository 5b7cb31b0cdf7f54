/** One named expectation of a check, as the learner reads it. */
export interface Expectation {
  readonly name: string;
  readonly ok: boolean;
  /** What the check wanted to see (only on ✗). */
  readonly expected?: string;
  /** What it saw instead: pids, timings, the program's last output lines (only on ✗). */
  readonly seen?: string;
  /** The one hint that fixes it (only on ✗). */
  readonly hint?: string;
  readonly durationMs: number;
}

/** The result of checking one lesson folder: what the terminal, --json and the web page all show. */
export interface CheckResult {
  readonly lesson: { readonly id: string; readonly title: string };
  readonly dir: string;
  readonly ok: boolean;
  readonly expectations: readonly Expectation[];
  /** Set when the check stopped early (the program never started, crashed, or time ran out). */
  readonly stoppedEarly?: string;
  /** Things to know that are no ✗ (e.g. it ran through tsx, as `node server.ts` would refuse it). */
  readonly notes?: readonly string[];
  /** What happened, moment by moment: requests, processes born and ended, signals sent. */
  readonly timeline?: readonly TimelineEvent[];
  readonly durationMs: number;
}

export interface Outcome {
  readonly expected: string;
  readonly seen: string;
  readonly hint?: string;
}

/**
 * One moment of a check, for the timeline (issue #15). `atMs` counts from the check's start;
 * `expectation` names the expectation that was running, if any. Events are in `atMs` order.
 */
export type TimelineEvent = TimelineBase &
  (
    | {
        /** A request the check sent (each on its own connection unless said otherwise). */
        readonly kind: 'request';
        readonly path: string;
        /** The port it went to: which of the check's programs (or nginx) it asked. */
        readonly port?: number;
        /** Only when not GET. */
        readonly method?: string;
        /** The pid that answered (from the JSON body's `pid`), when it said one. */
        readonly pid?: number;
        /** The HTTP status, when an answer came. */
        readonly status?: number;
        /** Why it failed: no answer in time, connection reset or refused, or a non-2xx status. */
        readonly failure?: 'timeout' | 'reset' | 'refused' | 'status' | 'error';
        readonly durationMs: number;
        /**
         * Set only on a check that sent more than 5000 requests: this event stands for `count`
         * answers of the same pid, status and path, itself the last of them (see timeline.ts).
         */
        readonly count?: number;
      }
    | {
        /** A process of the learner's tree appeared (the program itself, a worker, a replacement). */
        readonly kind: 'spawn';
        readonly pid: number;
        readonly ppid?: number;
        /** What it is to the check: the program the check started, or a process below it. */
        readonly role: 'program' | 'child';
        /** The started program (or pm2 daemon) whose tree it belongs to: the program's own pid for role 'program'. */
        readonly tree: number;
        /** Its command line, at most 120 characters (Linux only): `/usr/bin/node --import tsx server.ts`, … */
        readonly command?: string;
        /** role 'program' only: the PORT the check gave it, so that requests to it are known as its. */
        readonly port?: number;
      }
    | {
        /** A process of the learner's tree ended. Code and signal are known for the started program only. */
        readonly kind: 'exit';
        readonly pid: number;
        /** As on its spawn event. */
        readonly tree: number;
        readonly code?: number | null;
        readonly signal?: string | null;
      }
    | {
        /** A signal the check sent. `group` when sent to the whole process group. */
        readonly kind: 'signal';
        readonly pid: number;
        readonly signal: string;
        readonly group?: boolean;
        /** Clean-up, not the check's test: sent by Group.stop (TERM, then KILL), or after the check's body ended (its deferred steps). */
        readonly cleanup?: boolean;
      }
    | {
        /** An expectation started (`ok` absent) or finished (`ok` set). */
        readonly kind: 'expectation';
        readonly name: string;
        readonly ok?: boolean;
        /** On the start only: the programs (their pids) it is about, when others run beside them; a chart under its ✗ draws theirs alone. */
        readonly about?: readonly number[];
      }
  );

interface TimelineBase {
  readonly atMs: number;
  readonly expectation?: string;
}
