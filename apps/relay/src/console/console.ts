import type { Logger } from '@outflow/relay-core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { badRequest } from '../rest/errors.ts';
import type { Herder } from '../worker/herder.ts';
import { type Asset, loadAssets } from './assets.ts';
import { ConsoleInbox } from './inbox.ts';
import { ConsoleRates } from './rates.ts';
import { type ConsoleKafka, ConsoleTails } from './tail.ts';

/**
 * The web console's server side: the bundle at `/console/`, and the few read-only (plus replay) endpoints
 * under `/console/api/` that the REST API has no answer for (rates over the last minutes, live tails, consumer
 * groups and dead letters). Everything else the console reads and does through the REST API itself.
 */
export class RelayConsole {
  readonly rates: ConsoleRates;
  readonly #kafka: ConsoleKafka;
  readonly #logger: Logger;
  #herder: Herder | undefined;
  #tails: ConsoleTails | undefined;
  #inbox: ConsoleInbox | undefined;

  constructor(options: { kafka: ConsoleKafka; internalTopics: ReadonlySet<string>; logger: Logger }) {
    this.#kafka = options.kafka;
    this.#logger = options.logger;
    this.rates = new ConsoleRates({
      internalTopics: options.internalTopics,
      connectors: () => this.#herder?.connectors() ?? [],
    });
  }

  /** Connects the console to the worker, whose sinks were wrapped by `rates.wrap` when it was built. */
  attach(herder: Herder): void {
    this.#herder = herder;
    this.rates.start();
  }

  get herder(): Herder {
    if (this.#herder === undefined) throw new Error('the console is not attached to a worker');
    return this.#herder;
  }

  get tails(): ConsoleTails {
    const herder = this.herder;
    this.#tails ??= new ConsoleTails({
      kafka: this.#kafka,
      topicsOf: (connector) => herder.topics(connector),
      logger: this.#logger,
    });
    return this.#tails;
  }

  get inbox(): ConsoleInbox {
    this.#inbox ??= new ConsoleInbox(this.#kafka);
    return this.#inbox;
  }

  async close(): Promise<void> {
    this.rates.stop();
    await this.#tails?.closeAll();
  }
}

/**
 * Headers of every console page and file: its own scripts and styles only, never inside another site's frame
 * (its buttons change connectors), no sniffing, no referrer.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

type TailParams = { Params: { id: string }; Querystring: { after?: string } };
type TopicParams = { Params: { topic: string } };

/**
 * Registers the console's routes on the REST API's server, so they sit behind the same guards (basic
 * authentication, the cross-origin refusal of state-changing requests, JSON-only bodies).
 */
export function registerConsoleRoutes(app: FastifyInstance, relayConsole: RelayConsole): void {
  let assets: Map<string, Asset> | null | undefined;
  const asset = (path: string): Asset | undefined => {
    // Read once, at the first request, so a relay started before the build finished still finds it.
    if (assets === undefined || assets === null) assets = loadAssets();
    return assets?.get(path);
  };
  const send = (reply: FastifyReply, file: Asset): FastifyReply =>
    reply
      .headers(PAGE_HEADERS)
      .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .type(file.type)
      .send(file.body);

  app.addHook('onClose', async () => relayConsole.close());

  // ignoreTrailingSlash makes `/console` and `/console/` one route: the page's relative asset paths need the
  // slash, so a request without it is sent to the address with it.
  app.get('/console', async (request, reply) => {
    if (!request.url.split('?')[0]!.endsWith('/')) return reply.redirect('/console/', 302);
    const index = asset('index.html');
    if (index === undefined)
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          'The console is not built: run `npm run build` (it bundles apps/relay/console into dist/console-app).',
        );
    return send(reply, index);
  });

  app.get<{ Params: { '*': string } }>('/console/assets/*', async (request, reply) => {
    const file = asset(`assets/${request.params['*']}`);
    if (file === undefined) return reply.code(404).send({ error_code: 404, message: 'HTTP 404 Not Found' });
    return send(reply, file);
  });

  app.get('/console/api/rates', async () => ({
    intervalMs: relayConsole.rates.intervalMs,
    now: Date.now(),
    connectors: relayConsole.rates.snapshot(),
  }));

  app.post('/console/api/tails', async (request, reply) => {
    const body = request.body as { connector?: unknown; filter?: unknown } | undefined;
    if (typeof body?.connector !== 'string') throw badRequest('"connector" must be given');
    const filter = typeof body.filter === 'string' ? body.filter.slice(0, 200) : '';
    const id = relayConsole.tails.open(body.connector, filter);
    void reply.code(201);
    return { id };
  });

  app.get<TailParams>('/console/api/tails/:id', async (request, reply) => {
    const after = Number(request.query.after ?? '0');
    const view = relayConsole.tails.read(request.params.id, Number.isFinite(after) ? after : 0);
    if (view === undefined)
      return reply.code(404).send({ error_code: 404, message: 'This tail is closed; open a new one' });
    return view;
  });

  app.delete<TailParams>('/console/api/tails/:id', async (request, reply) => {
    relayConsole.tails.close(request.params.id);
    void reply.code(204);
  });

  const kafka = async <T>(reply: FastifyReply, work: () => Promise<T>): Promise<T | FastifyReply> => {
    try {
      return await work();
    } catch (error) {
      return reply.code(502).send({ error_code: 502, message: `Kafka: ${(error as Error).message}` });
    }
  };

  app.get('/console/api/inbox/groups', async (_request, reply) =>
    kafka(reply, () => relayConsole.inbox.groups()),
  );

  app.get('/console/api/inbox/topics', async (_request, reply) =>
    kafka(reply, () => relayConsole.inbox.topics()),
  );

  app.get<TopicParams & { Querystring: { limit?: string } }>(
    '/console/api/inbox/topics/:topic/records',
    async (request, reply) => {
      const limit = Math.min(200, Math.max(1, Number(request.query.limit ?? '50') || 50));
      return kafka(reply, () => relayConsole.inbox.lastRecords(request.params.topic, limit));
    },
  );

  app.post<TopicParams>('/console/api/inbox/topics/:topic/replay', async (request, reply) => {
    const body = request.body as { partition?: unknown; offset?: unknown } | undefined;
    const partition = Number(body?.partition);
    const offset = String(body?.offset ?? '');
    if (!Number.isInteger(partition) || partition < 0 || !/^\d+$/.test(offset))
      throw badRequest('"partition" (a number) and "offset" (digits) must be given');
    return kafka(reply, async () => ({
      topic: await relayConsole.inbox.replay(request.params.topic, partition, BigInt(offset)),
    }));
  });
}
