// npm run progress: the course in order, ✓ passed / ▶ current / · to do, with a progress bar.
import { defineCommand } from '../command.ts';
import { pc } from '../views/colors.ts';
import { finished, formatList } from '../views/course.ts';

export const progress = defineCommand({
  name: 'progress',
  usage: 'npm run progress',
  options: {},
  positionals: 0,
  async run(_args, { ws }) {
    console.log(formatList(ws));
    const current = ws.current();
    console.log(`\n${current ? `Next: ${pc.bold(current.id)} · ${current.title} — run ${pc.bold('npm start')} to work on it.` : finished('Check one again with: npm run check -- <lesson>')}`);
    return 0;
  },
});
