import { OutboxConfigError } from './errors.ts';
import type { OutboxDialect } from './types.ts';

/** A database URL the migrate command can connect with. */
export interface DatabaseUrl {
  /** `mysql` for `mysql://` and `mariadb://`, `postgres` for `postgres://` and `postgresql://`. */
  readonly dialect: OutboxDialect;
  /** The URL as given. Contains the password: never print it; print `masked`. */
  readonly raw: string;
  /** The URL with the password replaced by `***`. */
  readonly masked: string;
  /** Database named in the path, if any. */
  readonly database: string | undefined;
  /** The decoded password ('' if none), so messages can be scrubbed of it. */
  readonly password: string;
}

const SCHEMES: Readonly<Record<string, OutboxDialect>> = {
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
};

const USERINFO_IN_URL = /([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/@\s]*:)[^\s]*@/g;

/**
 * Replaces the password of `scheme://user:password@host…` with `***`. Works on strings that are not valid URLs
 * too; when unsure it masks more (up to the last `@`) rather than less.
 */
export function maskUrl(raw: string): string {
  if (raw.includes('://')) return raw.replace(USERINFO_IN_URL, '$1***@');
  // Not the usual shape (e.g. "mysql//u:p@h"): hide whatever looks like user:password@.
  return raw.replace(/[^\s/]*:[^\s]*@/, '***@');
}

/** Masks the password of every `scheme://user:password@` URL inside a longer text (an error message). */
export function maskUrlsIn(text: string): string {
  return text.replace(USERINFO_IN_URL, '$1***@');
}

/** Replaces every occurrence of `secret` in `text` with `***`. */
export function scrub(text: string, secret: string): string {
  return secret === '' ? text : text.replaceAll(secret, '***');
}

/** Parses a `DATABASE_URL`; a bad one throws `OutboxConfigError` naming `option` and the masked URL. */
export function parseDatabaseUrl(raw: string, option = '--url'): DatabaseUrl {
  const masked = maskUrl(raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboxConfigError(
      option,
      masked,
      'is not a valid URL, e.g. mysql://user:password@127.0.0.1:3306/db',
    );
  }
  const dialect = SCHEMES[url.protocol];
  if (dialect === undefined) {
    throw new OutboxConfigError(
      option,
      masked,
      `has scheme "${url.protocol}"; use mysql://, mariadb://, postgres:// or postgresql://`,
    );
  }
  if (url.hostname === '') throw new OutboxConfigError(option, masked, 'names no host');
  let database: string | undefined;
  let password: string;
  try {
    database = decodeURIComponent(url.pathname.slice(1)) || undefined;
    password = decodeURIComponent(url.password);
  } catch {
    throw new OutboxConfigError(option, masked, 'has a badly percent-encoded part');
  }
  return { dialect, raw, masked, database, password };
}
