// The two failures a command reports without a stack trace (scripts/cli.ts maps them to exit codes).

/** The command was called wrongly (unknown lesson, bad flag): exit 2 with the usage line. */
export class UsageError extends Error {}

/** An expected failure the learner can act on (no git history, a refused reset): exit 1, no stack. */
export class Refusal extends Error {}
