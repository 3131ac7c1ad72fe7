type Validate = ((this: unknown, ...args: unknown[]) => unknown) & { errors?: unknown };
type Compile = (this: unknown, schema: unknown, meta?: boolean) => Validate;

/**
 * Runs `load` (the relay's module imports) with ajv's `compile` made lazy, then puts it back.
 *
 * `@platformatic/kafka` compiles about forty ajv validators for its clients' options while it is imported
 * (a third of a second of CPU and ~15 MB at start, ADR 0006), and calls them only when a client is created
 * with `strict: true`, which the relay never sets. A validator compiled during `load` is compiled the first
 * time it is called instead, and behaves the same from then on. Anything compiled after `load` (Fastify's
 * route schemas) is compiled at once, as usual.
 *
 * The ajv patched is the relay's own, which is the one the Kafka client imports: npm installs one copy for
 * both (same major version), and the bundled CLI holds one. Where they differ, or ajv does not look like
 * ajv 8, the validators are compiled at import as before: only the start-up is slower.
 */
export async function importWithLazyValidators<T>(load: () => Promise<T>): Promise<T> {
  const prototype = ajvPrototype(await import('ajv/dist/core.js').catch(() => undefined));
  const eager = prototype?.compile;
  if (prototype === undefined || eager === undefined) return load();
  prototype.compile = lazily(eager);
  try {
    return await load();
  } finally {
    prototype.compile = eager;
  }
}

/**
 * A `compile` that defers `eager` until the returned validator is first called, and compiles without checking
 * the schema against JSON Schema's meta-schema: the schemas are the client's own, fixed when it was released,
 * and that check compiles a validator for the meta-schema itself, ~40 ms of a start (the consumer validates
 * its group options whatever `strict` says). What the compiled validator accepts is the same.
 */
export function lazily(eager: Compile): Compile {
  return function compile(this: unknown, schema: unknown, meta?: boolean): Validate {
    const ajv = this as { opts?: { validateSchema?: unknown } };
    let compiled: Validate | undefined;
    const validate: Validate = function (this: unknown, ...args: unknown[]) {
      if (compiled === undefined) {
        const options = ajv.opts;
        const checked = options?.validateSchema;
        if (options !== undefined) options.validateSchema = false;
        try {
          compiled = eager.call(ajv, schema, meta);
        } finally {
          if (options !== undefined) options.validateSchema = checked;
        }
      }
      const valid = compiled.apply(this, args);
      validate.errors = compiled.errors;
      return valid;
    };
    validate.errors = null;
    return validate;
  };
}

/** The `Ajv` class's prototype in ajv's `dist/core.js`: its `exports.default`, which an import nests once more. */
function ajvPrototype(core: unknown): { compile: Compile } | undefined {
  type Module = { default?: Module; prototype?: { compile?: unknown } };
  const outer = (core as Module | undefined)?.default;
  for (const candidate of [outer?.default, outer]) {
    if (typeof candidate?.prototype?.compile === 'function')
      return candidate.prototype as { compile: Compile };
  }
  return undefined;
}
