/**
 * A service's whole process tree, found through /proc: its main process, the members of the process group
 * it leads (every service is started as a group leader: `spawnDetached` and `pg_ctl` both call setsid), the
 * descendants of those, and the processes the service recognises as its own. The last matters after a
 * crash: a child outlives its killed parent (reparented to init), and PostgreSQL's backends each lead a
 * group of their own, so an orphaned walsender is found only by what it is (program `postgres`, working
 * directory the cluster's data folder).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** One process as /proc/<pid>/stat describes it. */
export interface ProcStat {
  readonly pid: number;
  /** Executable name (at most 15 characters), unchanged by a process that rewrites its title. */
  readonly comm: string;
  /** One-letter state: R, S, D, T (stopped), Z (zombie), … */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  /** Start time (clock ticks after boot): with `pid`, names one process for good (pids are reused). */
  readonly start: number;
}

/** The stat of `pid`, or undefined once it is gone. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The name sits in parentheses and may itself contain spaces or parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  const [state = '', ppid = '0', pgrp = '0'] = fields;
  return { pid, comm, state, ppid: Number(ppid), pgrp: Number(pgrp), start: Number(fields[19] ?? 0) };
}

function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat !== undefined && stat.state !== 'Z') out.push(stat);
  }
  return out;
}

/**
 * Which processes make up one service: the tree under its main process `root` (when known) and, because a
 * child outlives a killed parent (reparented, and PostgreSQL's children each lead their own group), every
 * process for which `belongs` holds (e.g. its program and working directory are the service's).
 */
export interface TreeSpec {
  readonly root?: number;
  readonly belongs?: (process: ProcStat) => boolean;
}

/** The working directory of `pid`, or undefined when it cannot be read (gone, or not ours to inspect). */
export function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * The live (non-zombie) processes of a service (see {@link TreeSpec}): `root` itself, every member of the
 * process group `root` leads (or led, when it is gone), every process `belongs` accepts, and every
 * descendant of those. A `root` that is alive but leads no group does not bring in its group, so a foreign
 * group is never included.
 */
export function processTree(spec: TreeSpec): ProcStat[] {
  const { root, belongs } = spec;
  const all = allProcesses();
  const members = new Map<number, ProcStat>();
  if (root !== undefined) {
    const rootStat = all.find((p) => p.pid === root);
    if (rootStat !== undefined) members.set(root, rootStat);
    if (rootStat === undefined || rootStat.pgrp === root) {
      for (const p of all) if (p.pgrp === root) members.set(p.pid, p);
    }
  }
  if (belongs !== undefined) for (const p of all) if (belongs(p)) members.set(p.pid, p);
  // Descendants that moved to a group of their own, found by parent links (to a fixed point).
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!members.has(p.pid) && members.has(p.ppid)) {
        members.set(p.pid, p);
        grew = true;
      }
    }
  }
  return [...members.values()];
}

/** Sends `signal` to every process of `pids` that still exists; resolves how many were signalled. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): number {
  let sent = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      sent++;
    } catch {
      // already gone
    }
  }
  return sent;
}

/**
 * A view of the tree that remembers every process it has seen: a descendant found through its parent stays
 * part of the tree after that parent exits (it is reparented, and its parent link no longer leads here).
 */
function tracked(spec: TreeSpec): () => ProcStat[] {
  const seen = new Map<number, number>();
  return () => {
    const now = processTree(spec);
    const pids = new Set(now.map((p) => p.pid));
    for (const [pid, start] of seen) {
      const stat = pids.has(pid) ? undefined : procStat(pid);
      if (stat !== undefined && stat.start === start && stat.state !== 'Z') now.push(stat);
    }
    for (const p of now) seen.set(p.pid, p.start);
    return now;
  };
}

/** Waits until `tree()` is empty; resolves whether that happened in time. */
async function waitGone(tree: () => ProcStat[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (tree().length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
}

/** How {@link stopTree} ended the tree: all gone on the polite signals, or some needed SIGKILL. */
export type StopOutcome = 'stopped' | 'killed';

/**
 * Stops a service and waits until every process of it is gone: `signal` to its main process `root` and up
 * to `graceMs` for all of them to end, then `escalate` (a service's "immediate" stop, e.g. PostgreSQL's
 * SIGQUIT) to the root and up to `escalateMs`, then SIGKILL to every process still there (re-read each time,
 * so children forked meanwhile are included). Rejects if processes survive SIGKILL for 10 s.
 */
export async function stopTree(
  spec: TreeSpec & { readonly root: number },
  options: { signal: NodeJS.Signals; graceMs: number; escalate?: NodeJS.Signals; escalateMs?: number },
): Promise<StopOutcome> {
  const tree = tracked(spec);
  // A SIGSTOPped process cannot act on the polite signal; let it run so it can.
  const before = tree().map((p) => p.pid);
  signalAll([spec.root], options.signal);
  signalAll(before, 'SIGCONT');
  if (await waitGone(tree, options.graceMs)) return 'stopped';
  if (options.escalate !== undefined) {
    signalAll([spec.root], options.escalate);
    if (await waitGone(tree, options.escalateMs ?? 5000)) return 'stopped';
  }
  return killAll(tree);
}

/**
 * SIGKILLs every process of the service until none is left (10 s at most, then rejects naming the
 * survivors, e.g. stuck in uninterruptible I/O). Resolves `'killed'`, or `'stopped'` when none was left.
 */
export function killTree(spec: TreeSpec): Promise<StopOutcome> {
  return killAll(tracked(spec));
}

async function killAll(tree: () => ProcStat[]): Promise<StopOutcome> {
  const deadline = Date.now() + 10_000;
  let killed = false;
  for (;;) {
    const left = tree();
    if (left.length === 0) return killed ? 'killed' : 'stopped';
    if (Date.now() > deadline) {
      throw new Error(
        `processes survive SIGKILL: ${left.map((p) => `${p.pid} (${p.comm}, ${p.state})`).join(', ')}`,
      );
    }
    if (
      signalAll(
        left.map((p) => p.pid),
        'SIGKILL',
      ) > 0
    )
      killed = true;
    await sleep(100);
  }
}
