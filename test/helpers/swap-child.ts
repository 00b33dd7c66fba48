/**
 * Child process for the kill tests of the output swap: writes a new report
 * into argv[2] and, at the step named by argv[3] (a SwapStep, or `file:N`
 * after the N-th file), kills itself with the signal argv[4] (default
 * SIGKILL, which runs no handler at all). argv[5] `renames` makes the swap
 * two renames even where the atomic exchange works. Each step reached is
 * printed on a line of its own (synchronously: stdout is a pipe), so the
 * test sees which way the swap went.
 */
import { installExitCleanup } from '../../lib/scratch.ts';
import { writeOutputDir, type SwapStep } from '../../lib/report/write-output.ts';
import { TOOL } from '../../lib/version.ts';

const [dir, at, signal = 'SIGKILL', how = 'exchange'] = process.argv.slice(2);
installExitCleanup();
const die = () => {
  process.kill(process.pid, signal as NodeJS.Signals);
};
const files = new Map<string, string>([
  ['index.html', '<p>new report</p>\n'],
  ['data/a.csv', 'a\nnew\n'],
  ['data/b.csv', 'b\nnew\n'],
  ['manifest.json', `${JSON.stringify({ tool: TOOL, run: 'new' })}\n`],
]);
await writeOutputDir(dir, files, {
  exchange: how !== 'renames',
  afterFile: (_p, i) => {
    if (at === `file:${i}`) die();
  },
  afterStep: (step: SwapStep) => {
    process.stdout.write(`${step}\n`);
    if (step === at) die();
  },
});
// With a signal that has a handler, the process may get here before the handler runs: wait for it.
if (signal !== 'SIGKILL') await new Promise((r) => setTimeout(r, 2000));
process.stdout.write('finished\n');
