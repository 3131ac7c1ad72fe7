/**
 * Preloaded into the relay by `npm run bench -- --memory` (`--import`; worker threads inherit it, so every task
 * thread runs it too). Every 100 ms each thread appends its V8 heap spaces, the memory held outside its heap
 * for it (external: Buffers' and ArrayBuffers' bytes) and the process's resident memory
 * to `$OUTFLOW_BENCH_HEAP_DIR/heap-<pid>-<threadId>.jsonl`, which `memory.ts` reads to say where the peak went.
 * Plain JavaScript on Node's built-ins only: loaded as TypeScript, the type stripper's WebAssembly would add
 * ~20 MB to the process it measures.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { threadId } from 'node:worker_threads';

const dir = process.env.OUTFLOW_BENCH_HEAP_DIR;
if (dir !== undefined && dir !== '') {
  const file = join(dir, `heap-${process.pid}-${threadId}.jsonl`);
  const kb = (status, field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  setInterval(() => {
    const status = readFileSync('/proc/self/status', 'utf8');
    const spaces = {};
    for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = [s.space_size, s.space_used_size];
    appendFileSync(
      file,
      `${JSON.stringify({ t: Date.now(), rssKb: kb(status, 'VmRSS'), anonKb: kb(status, 'RssAnon'), fileKb: kb(status, 'RssFile'), externalB: getHeapStatistics().external_memory, spaces })}\n`,
    );
  }, 100).unref();
}
