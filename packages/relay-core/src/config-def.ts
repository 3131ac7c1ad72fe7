import { ConfigError, type ConfigProblem } from './errors.ts';

/** Types of configuration values, as Kafka Connect's ConfigDef names them. */
export type ConfigType = 'string' | 'int' | 'long' | 'double' | 'boolean' | 'list' | 'password' | 'class';

/** Declares one configuration property once: its type, default, validation and description. */
export interface ConfigKey {
  readonly name: string;
  readonly type: ConfigType;
  readonly description: string;
  /** Absent: the property is required. `null`: optional with no value. */
  readonly default?: string | number | boolean | readonly string[] | null;
  /** Allowed values (case-insensitive for strings). */
  readonly oneOf?: readonly string[];
  /** Inclusive bounds for numbers. */
  readonly min?: number;
  readonly max?: number;
  /** Extra validation: returns a message when the value is wrong. */
  readonly validate?: (value: unknown) => string | undefined;
  /** Older names accepted for this property, each logged as deprecated. */
  readonly aliases?: readonly string[];
  /** Properties that mean this one is handled elsewhere and need no value here. */
  readonly group?: string;
}

/** Parsed values keyed by property name, plus the deprecation warnings met while parsing. */
export interface ParsedConfig {
  readonly values: Readonly<Record<string, unknown>>;
  readonly warnings: readonly string[];
}

/** A set of declared properties. */
export class ConfigDef {
  readonly keys: ReadonlyMap<string, ConfigKey>;

  constructor(keys: readonly ConfigKey[]) {
    const map = new Map<string, ConfigKey>();
    for (const key of keys) map.set(key.name, key);
    this.keys = map;
  }

  /** True when `name` is declared, directly or as an alias. */
  has(name: string): boolean {
    if (this.keys.has(name)) return true;
    for (const key of this.keys.values()) if (key.aliases?.includes(name)) return true;
    return false;
  }

  /**
   * Parses string properties (as Connect passes them) into typed values.
   * Throws a ConfigError naming every wrong, missing or (unless `allowUnknown` says otherwise) unknown property.
   */
  parse(
    props: Readonly<Record<string, string>>,
    options: { allowUnknown?: (name: string) => boolean } = {},
  ): ParsedConfig {
    const problems: ConfigProblem[] = [];
    const warnings: string[] = [];
    const values: Record<string, unknown> = {};
    const consumed = new Set<string>();
    for (const key of this.keys.values()) {
      let raw: string | undefined = props[key.name];
      if (raw !== undefined) consumed.add(key.name);
      for (const alias of key.aliases ?? []) {
        const aliased = props[alias];
        if (aliased === undefined) continue;
        consumed.add(alias);
        if (raw === undefined) {
          raw = aliased;
          warnings.push(`'${alias}' is deprecated, use '${key.name}'`);
        }
      }
      if (raw === undefined || (raw.trim() === '' && key.type !== 'string' && key.type !== 'password')) {
        if (key.default === undefined) problems.push({ property: key.name, message: 'is required' });
        else values[key.name] = key.default;
        continue;
      }
      const parsed = parseValue(key, raw);
      if (isProblem(parsed)) {
        problems.push({ property: key.name, message: parsed.problem });
        continue;
      }
      const custom = key.validate?.(parsed);
      if (custom !== undefined) problems.push({ property: key.name, message: custom });
      else values[key.name] = parsed;
    }
    for (const name of Object.keys(props)) {
      if (consumed.has(name)) continue;
      if (options.allowUnknown?.(name)) continue;
      problems.push({ property: name, message: 'is not a supported property' });
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return { values, warnings };
  }
}

function parseValue(key: ConfigKey, raw: string): unknown {
  const text = raw.trim();
  switch (key.type) {
    case 'string':
    case 'password':
    case 'class': {
      if (key.oneOf !== undefined) {
        const match = key.oneOf.find((v) => v.toLowerCase() === text.toLowerCase());
        if (match === undefined) return { problem: `must be one of ${key.oneOf.join(', ')}, got '${raw}'` };
        return match;
      }
      return key.type === 'string' ? raw : text;
    }
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(text)) return { problem: `must be an integer, got '${raw}'` };
      const n = Number(text);
      if (key.type === 'int' && (n < -2147483648 || n > 2147483647))
        return { problem: `must fit in 32 bits, got '${raw}'` };
      return checkRange(key, n, raw);
    }
    case 'double': {
      const n = Number(text);
      if (text === '' || Number.isNaN(n)) return { problem: `must be a number, got '${raw}'` };
      return checkRange(key, n, raw);
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      return { problem: `must be true or false, got '${raw}'` };
    }
    case 'list':
      return text === ''
        ? []
        : text
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
  }
}

function isProblem(value: unknown): value is { problem: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'problem' in value;
}

function checkRange(key: ConfigKey, n: number, raw: string): unknown {
  if (key.min !== undefined && n < key.min) return { problem: `must be at least ${key.min}, got '${raw}'` };
  if (key.max !== undefined && n > key.max) return { problem: `must be at most ${key.max}, got '${raw}'` };
  return n;
}

/** Property names whose values are secrets: masked in every answer and log. */
export function isSecretProperty(name: string): boolean {
  return /(^|[._-])(password|passwd|secret|token|credentials?|api[._-]?key|private[._-]?key|sasl\.jaas\.config)($|[._-])/i.test(
    name,
  );
}

/** The mask Outflow shows instead of a secret. */
export const SECRET_MASK = '********';

/** A copy of `props` with every secret value replaced by the mask. */
export function maskSecrets(props: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) out[k] = isSecretProperty(k) ? SECRET_MASK : v;
  return out;
}
