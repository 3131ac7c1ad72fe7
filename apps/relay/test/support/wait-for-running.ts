/**
 * Waits until the task of `connector` on the relay at `url` (its REST API) reports RUNNING and, when given,
 * `ready` holds too (e.g. a PostgreSQL slot is streaming). Fails at once when the task is FAILED, and after
 * `timeoutMs` (30 s) with the last status and `context()` (e.g. the relay's output). Answers the relay cannot
 * give yet (not listening, no such connector) are waited out.
 */
export async function waitForRunning(
  url: string,
  connector: string,
  options: {
    timeoutMs?: number;
    ready?: () => Promise<boolean>;
    context?: () => string;
    /** Sent with each status request (e.g. `authorization` for a relay with basic authentication). */
    headers?: Record<string, string>;
  } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    let task: { state: string; trace?: string } | undefined;
    try {
      const res = await fetch(`${url}/connectors/${connector}/status`, { headers: options.headers ?? {} });
      last = await res.text();
      task = (JSON.parse(last) as { tasks?: { state: string; trace?: string }[] }).tasks?.[0];
    } catch {
      // not listening or not answering JSON yet
    }
    if (task?.state === 'FAILED') throw new Error(`connector ${connector} failed: ${task.trace ?? last}`);
    if (task?.state === 'RUNNING' && (options.ready === undefined || (await options.ready()))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const context = options.context?.() ?? '';
  throw new Error(
    `connector ${connector} not RUNNING after ${timeoutMs} ms; last status ${last}${context && `\n${context}`}`,
  );
}
