/**
 * Worker thread of the segment-value bootstrap (lib/clv/segment-replicates.ts):
 * runs replicates from … to−1 of the job it is given and posts their results.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runReplicates, type ReplicateJob } from './segment-replicates.ts';

const { job, from, to } = workerData as { job: ReplicateJob; from: number; to: number };
const result = runReplicates(job, from, to);
parentPort?.postMessage(result, [result.means.buffer as ArrayBuffer]);
