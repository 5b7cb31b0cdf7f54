// npm run hint [-- <lesson>] [--all]: hints one at a time, from the course list. Each call (or `h`
// in npm start) reveals one more; how many were shown is kept in the workshop's state.
import { defineCommand } from '../command.ts';
import { pickLesson } from '../lesson-arg.ts';
import { finished } from '../views/course.ts';
import { formatHints } from '../views/hints.ts';

export const hint = defineCommand({
  name: 'hint',
  usage: 'npm run hint [-- <lesson>] [--all]',
  options: { all: { type: 'boolean' } },
  positionals: 1,
  async run({ values, positionals }, { ws }) {
    const picked = pickLesson(ws, positionals);
    if (!picked) {
      console.log(finished("No hint needed. Ask for one lesson's hints with: npm run hint -- <lesson>"));
      return 0;
    }
    const { lesson } = picked;
    const upTo = values.all ? lesson.hints.length : ws.revealHint(lesson).number;
    console.log(formatHints(lesson, upTo));
    return 0;
  },
});
