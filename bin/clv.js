#!/usr/bin/env node
// Entry point of the `clv` command: runs the compiled JavaScript in dist/, or the TypeScript
// sources through tsx when dist/ is missing or older than the sources (bin/compiled.js).
import { moduleResolver } from './compiled.js';

const resolve = await moduleResolver();
const { installExitCleanup } = await import(resolve('lib/scratch'));
installExitCleanup();
const { main } = await import(resolve('jobs/cli'));
process.exitCode = await main(process.argv.slice(2));
