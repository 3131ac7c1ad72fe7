import type { FastifyInstance } from 'fastify';
import type { TargetState } from '../../worker/config-store.ts';
import type { Herder } from '../../worker/herder.ts';
import { badRequest } from '../errors.ts';
import type { StatusReader } from './status-reader.ts';

type NameParams = { Params: { name: string } };

/**
 * Connector CRUD, as Kafka Connect answers it: `GET/POST /connectors`, `GET/DELETE /connectors/{name}`,
 * `GET/PUT /connectors/{name}/config`. Configurations in answers have their secrets masked.
 */
export function registerConnectorRoutes(app: FastifyInstance, herder: Herder, statusOf: StatusReader): void {
  app.get<{ Querystring: { expand?: string | string[] } }>('/connectors', async (request) => {
    const raw = request.query.expand;
    const expand = new Set(
      (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((e) => e.split(',')),
    );
    const names = herder.connectors();
    if (!expand.has('status') && !expand.has('info')) return names;
    const statuses = expand.has('status')
      ? await Promise.all(names.map((name) => statusOf(name, request)))
      : [];
    const out: Record<string, Record<string, unknown>> = {};
    names.forEach((name, i) => {
      const item: Record<string, unknown> = {};
      if (expand.has('status')) item.status = statuses[i];
      if (expand.has('info')) item.info = herder.info(name);
      out[name] = item;
    });
    return out;
  });

  app.post('/connectors', async (request, reply) => {
    const body = request.body;
    if (!isPlainObject(body))
      throw badRequest(
        'Request body must be a JSON object with "name" and "config", e.g. {"name":"…","config":{…}}',
      );
    const config = body.config;
    const given = body.name ?? (isPlainObject(config) ? config.name : undefined);
    if (typeof given !== 'string' || given.trim() === '')
      throw badRequest('Connector name must be given as "name"');
    // Connect trims the name of a new connector; the rest of the name rules are the `name` property's.
    const name = given.trim();
    if (config === undefined || config === null)
      throw badRequest('Connector config must be given as "config"');
    const initialState = parseInitialState(body.initial_state);
    const result = await herder.putConfig(name, toStringMap(config, 'config'), {
      mustBeNew: true,
      ...(initialState === undefined ? {} : { initialState }),
    });
    void reply.code(201).header('location', `/connectors/${encodeURIComponent(name)}`);
    return result.info;
  });

  app.get<NameParams>('/connectors/:name', async (request) => herder.info(request.params.name));

  app.get<NameParams>('/connectors/:name/config', async (request) => herder.config(request.params.name));

  app.put<NameParams>('/connectors/:name/config', async (request, reply) => {
    const { name } = request.params;
    const result = await herder.putConfig(name, toStringMap(request.body, 'Request body'));
    if (result.created) void reply.code(201).header('location', `/connectors/${encodeURIComponent(name)}`);
    return result.info;
  });

  app.delete<NameParams>('/connectors/:name', async (request, reply) => {
    await herder.delete(request.params.name);
    void reply.code(204);
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A configuration as Connect takes it: a flat map of strings. Numbers and booleans are accepted and turned
 * into strings (Jackson does the same); nested values are rejected naming the property.
 */
function toStringMap(value: unknown, what: string): Record<string, string> {
  if (!isPlainObject(value)) throw badRequest(`${what} must be a JSON object of string properties`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else
      throw badRequest(`Configuration property ${k} must be a string, got ${v === null ? 'null' : typeof v}`);
  }
  return out;
}

/** `initial_state` of `POST /connectors` (Connect 3.5+): RUNNING, PAUSED or STOPPED. */
function parseInitialState(value: unknown): TargetState | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).toUpperCase();
  if (text === 'RUNNING') return 'STARTED';
  if (text === 'PAUSED' || text === 'STOPPED') return text;
  throw badRequest(`initial_state must be RUNNING, PAUSED or STOPPED, got ${String(value)}`);
}
