#!/usr/bin/env node
// `npm start`: compiles the sources into dist/ first when it is missing or older than them
// (bin/build.js), then runs jobs/start.ts (the report of the sample data).
import { moduleResolver, staleReason } from './compiled.js';
import { build } from './build.js';

const reason = staleReason();
if (reason !== undefined) build(reason);
const resolve = await moduleResolver();
await import(resolve('jobs/start'));
