// npm run check [-- <lesson>] [--solution | --dir <folder>] [--json] [--timeline]
// Exit 0 when every expectation holds, 1 when one fails, 2 on a usage error. Says which lesson it
// checks and why, every time; a pass of the learner's own folder is recorded. While it runs it
// shows what it is doing (the terminal's live block, or a line per expectation in a pipe);
// --timeline draws the whole run's chart under the result (a failed expectation gets its own anyway).
import { checkLesson } from '../../checks/lib/runner.ts';
import { defineCommand } from '../command.ts';
import { folderOptions, pickTarget } from '../lesson-arg.ts';
import { afterPass, finished, why } from '../views/course.ts';
import { liveStatus } from '../views/live.ts';
import { formatResult } from '../views/result.ts';

export const check = defineCommand({
  name: 'check',
  usage: 'npm run check [-- <lesson>] [--solution | --dir <folder>] [--json] [--timeline]',
  options: { ...folderOptions, json: { type: 'boolean' }, timeline: { type: 'boolean' } },
  positionals: 1,
  async run({ values, positionals }, { ws }) {
    const target = pickTarget(ws, positionals, values);
    if (!target) {
      console.log(finished('Check one again with: npm run check -- <lesson>'));
      return 0;
    }
    const { lesson, dir } = target;
    if (!values.json) {
      const what = target.ownFolder ? why(ws, lesson, target.named) : values.solution ? 'its solution' : `the folder ${ws.shown(dir)}`;
      console.log(`Checking ${lesson.id}: ${what}…\n`);
    }
    // --json keeps stdout for the JSON alone: no live output there.
    const live = values.json ? undefined : liveStatus();
    live?.start(lesson.id);
    const result = await checkLesson(lesson, dir, live ? { onEvent: (e) => live.event(e) } : {}).finally(() => live?.stop());
    if (result.ok && target.ownFolder) ws.pass(lesson);
    if (values.json) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      console.log(formatResult(result, undefined, { timeline: values.timeline ? 'all' : 'failures' }));
      if (!result.ok) console.log(`\nEdit ${ws.shown(dir)}/ and run the check again (npm run hint for a nudge).`);
      else if (target.ownFolder) console.log(`\n${afterPass(ws, lesson)}`);
    }
    return result.ok ? 0 : 1;
  },
});
