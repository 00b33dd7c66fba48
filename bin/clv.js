#!/usr/bin/env node
// Entry point of the `clv` command: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
const { installExitCleanup } = await import('../lib/scratch.ts');
installExitCleanup();
const { main } = await import('../jobs/cli.ts');
process.exitCode = await main(process.argv.slice(2));
