import { readFileSync } from 'node:fs';
import { join, resolve as resolvePath, sep } from 'node:path';
import { ConfigError, type ConfigKey, type ConfigProblem } from '@outflow/relay-core';
import { parseProperties } from '../properties.ts';

/** Kafka's provider classes Outflow implements. */
export const FILE_PROVIDER = 'org.apache.kafka.common.config.provider.FileConfigProvider';
export const ENV_PROVIDER = 'org.apache.kafka.common.config.provider.EnvVarConfigProvider';
export const DIRECTORY_PROVIDER = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';
const CLASSES = [FILE_PROVIDER, ENV_PROVIDER, DIRECTORY_PROVIDER];

/** The worker's provider properties, as Kafka's `AbstractConfig` names them. */
export const configProviderKeys: readonly ConfigKey[] = [
  {
    name: 'config.providers',
    type: 'list',
    default: [],
    description: `Names of the config providers that \`\${name:path:key}\` references in connector configurations (and in this file) use, each with \`config.providers.<name>.class\`: \`${FILE_PROVIDER}\` (\`\${file:/path/db.properties:password}\`, a key of a properties file), \`${ENV_PROVIDER}\` (\`\${env:DB_PASSWORD}\`) or \`${DIRECTORY_PROVIDER}\` (\`\${dir:/run/secrets:db-password}\`, a whole file). References are resolved when a task starts; configurations are stored and shown with the references, never the values. \`config.providers.<name>.param.allowed.paths\` (file, directory) and \`config.providers.<name>.param.allowlist.pattern\` (env) restrict what can be read.`,
  },
];

/** True for `config.providers.<name>.class` and `config.providers.<name>.param.*`. */
export function isProviderProperty(name: string): boolean {
  return /^config\.providers\.[^.]+\.(class|param\..+)$/.test(name);
}

type Provider = (path: string | undefined, key: string) => string | undefined;

/** Kafka's `ConfigTransformer` pattern: `${provider:[path:]key}`. */
const REFERENCE = /\$\{([^}:]*?):(?:([^}]*?):)?([^}]*?)\}/g;

/**
 * Resolves `${provider:path:key}` references in configurations with the providers the worker declares.
 * A reference to a declared provider (or to `file`, `env`, `dir` when undeclared) that cannot be resolved
 * is an error naming the property and the reference, never the value.
 */
export class ConfigProviders {
  readonly #providers = new Map<string, Provider>();

  /** Builds the providers from the worker properties; throws a ConfigError naming a wrong one. */
  constructor(props: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>>) {
    const names = (props['config.providers'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const name of names) {
      const classProperty = `config.providers.${name}.class`;
      const cls = props[classProperty]?.trim();
      if (!cls || !CLASSES.includes(cls))
        throw new ConfigError([
          {
            property: classProperty,
            message: cls ? `unknown provider class ${cls}; known: ${CLASSES.join(', ')}` : 'is required',
          },
        ]);
      const param = (p: string) => props[`config.providers.${name}.param.${p}`];
      const allowed = (param('allowed.paths') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((p) => resolvePath(p));
      const pathAllowed = (path: string) =>
        allowed.length === 0 || allowed.some((a) => path === a || path.startsWith(a + sep));
      if (cls === ENV_PROVIDER) {
        const pattern = new RegExp(`^(?:${param('allowlist.pattern') ?? '.*'})$`);
        this.#providers.set(name, (path, key) =>
          path === undefined && pattern.test(key) ? env[key] : undefined,
        );
      } else if (cls === FILE_PROVIDER) {
        this.#providers.set(name, (path, key) => {
          if (path === undefined || !pathAllowed(resolvePath(path))) return undefined;
          return parseProperties(readFileSync(path, 'utf8'))[key];
        });
      } else {
        this.#providers.set(name, (path, key) => {
          if (path === undefined || key.includes('/') || key.startsWith('.')) return undefined;
          const file = join(path, key);
          if (!pathAllowed(resolvePath(file))) return undefined;
          return readFileSync(file, 'utf8');
        });
      }
    }
  }

  /** True when `value` holds a reference this worker would try to resolve. */
  references(value: string): boolean {
    for (const m of value.matchAll(REFERENCE)) if (this.#wouldResolve(m[1]!)) return true;
    return false;
  }

  /** `config` with every reference resolved; throws a ConfigError naming each one that cannot be. */
  resolve(config: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    const problems: ConfigProblem[] = [];
    for (const [property, value] of Object.entries(config)) {
      out[property] = value.replace(
        REFERENCE,
        (whole, name: string, path: string | undefined, key: string) => {
          if (!this.#wouldResolve(name)) return whole;
          const provider = this.#providers.get(name);
          if (provider === undefined) {
            problems.push({
              property,
              message: `${whole}: config provider '${name}' is not declared in the worker's config.providers`,
            });
            return whole;
          }
          let resolved: string | undefined;
          try {
            resolved = provider(path, key);
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
            problems.push({ property, message: `${whole} cannot be resolved: ${code}` });
            return whole;
          }
          if (resolved === undefined)
            problems.push({ property, message: `${whole} cannot be resolved: no such key, or not allowed` });
          return resolved ?? whole;
        },
      );
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return out;
  }

  #wouldResolve(name: string): boolean {
    return this.#providers.has(name) || name === 'file' || name === 'env' || name === 'dir';
  }
}
