import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Calls `load` now and every `intervalMs` while the page is shown; a slow answer is never overlapped by the
 * next call. `deps` restart it. Returns the last answer and the last error (cleared by a success).
 */
export function usePoll<T>(
  load: () => Promise<T>,
  intervalMs: number,
  deps: readonly unknown[] = [],
): { data: T | undefined; error: string | undefined; refresh: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const kick = useRef<() => void>(() => undefined);
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const tick = async () => {
      window.clearTimeout(timer);
      try {
        const value = await load();
        if (stopped) return;
        setData(value);
        setError(undefined);
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      }
      if (!stopped) timer = window.setTimeout(tick, intervalMs);
    };
    kick.current = () => void tick();
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, deps);
  return { data, error, refresh: () => kick.current() };
}

const STATE_CLASS: Record<string, string> = {
  RUNNING: 'ok',
  PAUSED: 'warn',
  STOPPED: 'muted',
  UNASSIGNED: 'muted',
  RESTARTING: 'warn',
  FAILED: 'bad',
};

export function StateBadge({ state, title }: { state: string; title?: string }) {
  return (
    <span class={`badge ${STATE_CLASS[state] ?? 'muted'}`} data-state={state} title={title}>
      {state}
    </span>
  );
}

export function Card({
  title,
  actions,
  children,
}: {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="card">
      {(title !== undefined || actions !== undefined) && (
        <header>
          <h2>{title}</h2>
          <div class="actions">{actions}</div>
        </header>
      )}
      {children}
    </section>
  );
}

export function ErrorLine({ error }: { error: string | undefined }) {
  return error === undefined ? null : (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

export function rate(value: number | undefined, unit: string): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (unit === 'B/s') return `${bytes(value)}/s`;
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${unit}`;
}

export function bytes(value: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let v = value;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function time(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString(undefined, { hour12: false });
}

/** A value shown as indented JSON when it is JSON, as it is otherwise. */
export function pretty(value: string | null): string {
  if (value === null) return '(tombstone)';
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
}
