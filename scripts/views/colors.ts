// Colours for every face of the workshop: on in a terminal, off under NO_COLOR and when the output
// is not a terminal (a pipe, a file, CI logs), whatever picocolors would guess from CI variables.
import { createColors } from 'picocolors';

const enabled = !('NO_COLOR' in process.env) && ('FORCE_COLOR' in process.env || process.stdout.isTTY === true);

export const pc = createColors(enabled);
