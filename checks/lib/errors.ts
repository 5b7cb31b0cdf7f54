import type { Outcome } from './types.ts';

/** Thrown inside an expectation: the learner's program did not do what the lesson asks. */
export class Unmet extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.seen);
  }
}

/** Fail the current expectation with what was expected and what was seen. */
export function unmet(expected: string, seen: string, hint?: string): never {
  throw new Unmet(hint === undefined ? { expected, seen } : { expected, seen, hint });
}

/**
 * Something that makes the rest of the check pointless (the program crashed, never listened,
 * does not compile). The check reports it on the current expectation and stops.
 */
export class Fatal extends Error {
  constructor(
    message: string,
    readonly detail: string = '',
    readonly hint?: string,
  ) {
    super(message);
  }
}
