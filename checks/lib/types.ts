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
  readonly durationMs: number;
}

export interface Outcome {
  readonly expected: string;
  readonly seen: string;
  readonly hint?: string;
}
