/**
 * Where a relay process's resident memory goes, from the samples `heap-monitor.mjs` wrote: the node binary's
 * pages (file-backed), each thread's V8 heap as committed (young generation, old generation, the rest: code,
 * large objects, trusted space) and how much of it was in use, and the anonymous memory outside every heap
 * (native: malloc arenas, the Kafka client's sockets, thread stacks, V8's compiler zones).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Sample {
  readonly t: number;
  readonly rssKb: number;
  readonly anonKb: number;
  readonly fileKb: number;
  readonly externalB: number;
  readonly spaces: Readonly<Record<string, readonly [number, number]>>;
}

export interface ThreadHeap {
  /** `main`, or `task` for a worker thread (a task's, or the spare one waiting for the next task). */
  readonly thread: 'main' | 'task';
  readonly newMb: number;
  readonly oldMb: number;
  readonly otherMb: number;
  readonly usedMb: number;
  /** Outside the heap, held for it: Buffers' and ArrayBuffers' bytes. */
  readonly externalMb: number;
}

export interface MemoryBreakdown {
  readonly rssMb: number;
  readonly fileMb: number;
  readonly anonMb: number;
  readonly threads: readonly ThreadHeap[];
  /** Anonymous memory in no V8 heap. */
  readonly nativeMb: number;
  /**
   * What every thread's heap counts as external (Buffers' and ArrayBuffers' bytes, WebAssembly memory): most of
   * it is native, but bytes allocated and not yet written are not resident, so it can exceed `nativeMb`.
   */
  readonly externalMb: number;
}

const mb = (bytes: number) => Math.round(bytes / 1048576);

function heapOf(thread: 'main' | 'task', sample: Sample): ThreadHeap {
  let young = 0;
  let old = 0;
  let other = 0;
  let used = 0;
  for (const [name, [size, inUse]] of Object.entries(sample.spaces)) {
    if (name === 'new_space' || name === 'new_large_object_space') young += size;
    else if (name === 'old_space') old += size;
    else other += size;
    used += inUse;
  }
  return {
    thread,
    newMb: mb(young),
    oldMb: mb(old),
    otherMb: mb(other),
    usedMb: mb(used),
    externalMb: mb(sample.externalB),
  };
}

/**
 * The breakdown of process `pid` at its highest sampled RSS (`peak`) or at its last sample (`last`: the relay
 * idle just before the bench stopped it); undefined when it left no samples in `dir`.
 */
export function memoryBreakdown(dir: string, pid: number, at: 'peak' | 'last'): MemoryBreakdown | undefined {
  const threads = readdirSync(dir)
    .map((f) => /^heap-(\d+)-(\d+)\.jsonl$/.exec(f))
    .filter((m) => m !== null && Number(m[1]) === pid)
    .map((m) => ({
      id: Number(m![2]),
      // Read while the relay runs: a line it is still writing is left out.
      samples: readFileSync(join(dir, m![0]), 'utf8')
        .split('\n')
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Sample];
          } catch {
            return [];
          }
        }),
    }))
    .filter((t) => t.samples.length > 0);
  const main = threads.find((t) => t.id === 0);
  if (main === undefined) return undefined;
  const pick =
    at === 'last'
      ? main.samples[main.samples.length - 1]!
      : threads.flatMap((t) => t.samples).reduce((a, b) => (b.rssKb > a.rssKb ? b : a));
  // A busy thread's timer fires late, so its nearest sample may be some way off; a thread whose samples end
  // well before that moment (its task stopped) or begin well after it holds nothing then.
  const heaps = threads
    .filter((t) => t.samples[0]!.t <= pick.t + 1000 && t.samples[t.samples.length - 1]!.t >= pick.t - 1000)
    .map((t) =>
      heapOf(
        t.id === 0 ? 'main' : 'task',
        t.samples.reduce((a, b) => (Math.abs(b.t - pick.t) < Math.abs(a.t - pick.t) ? b : a)),
      ),
    );
  const committed = heaps.reduce((sum, h) => sum + h.newMb + h.oldMb + h.otherMb, 0);
  return {
    rssMb: Math.round(pick.rssKb / 1024),
    fileMb: Math.round(pick.fileKb / 1024),
    anonMb: Math.round(pick.anonKb / 1024),
    threads: heaps,
    nativeMb: Math.round(pick.anonKb / 1024) - committed,
    externalMb: heaps.reduce((sum, h) => sum + h.externalMb, 0),
  };
}

/** One line: `RSS 247 = file 53 + anon 194: main heap 36 (young 17, old 13, other 6; 19 used), …, native 40; external 12`. */
export function formatBreakdown(b: MemoryBreakdown): string {
  const heaps = b.threads.map(
    (h) =>
      `${h.thread} heap ${h.newMb + h.oldMb + h.otherMb} (young ${h.newMb}, old ${h.oldMb}, other ${h.otherMb}; ${h.usedMb} used)`,
  );
  return `RSS ${b.rssMb} = file ${b.fileMb} + anon ${b.anonMb}: ${heaps.join(', ')}, native ${b.nativeMb}; external ${b.externalMb}`;
}
