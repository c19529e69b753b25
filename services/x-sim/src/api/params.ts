import { invalidRequest, type ParameterError } from './problems.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const TWEET_ID = /^[0-9]{1,19}$/;

/**
 * Reads query parameters the way X validates them: every problem becomes one
 * entry of `errors[]` naming the parameter and its value, and all of them are
 * reported together in one 400 `invalid-request`.
 */
export class ParamReader {
  readonly errors: ParameterError[] = [];

  constructor(
    private readonly query: URLSearchParams,
    allowed: readonly string[],
  ) {
    for (const name of new Set(query.keys())) {
      if (!allowed.includes(name)) {
        this.fail(
          name,
          query.get(name) ?? '',
          `The query parameter [${name}] is not one of [${allowed.join(',')}]`,
        );
      }
    }
  }

  fail(name: string, value: string | string[], message: string): void {
    this.errors.push({ parameters: { [name]: Array.isArray(value) ? value : [value] }, message });
  }

  string(name: string): string | undefined {
    const value = this.query.get(name);
    return value === null || value === '' ? undefined : value;
  }

  /** The value, or '' with the error recorded when it is missing (check() then throws). */
  required(name: string): string {
    const value = this.string(name);
    if (value === undefined) this.fail(name, [], `The \`${name}\` query parameter can not be empty`);
    return value ?? '';
  }

  int(name: string, min: number, max: number, fallback: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      this.fail(name, raw, `The \`${name}\` query parameter value [${raw}] is not between ${min} and ${max}`);
      return fallback;
    }
    return value;
  }

  /** An RFC 3339 instant, as epoch ms. */
  time(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const ms = Date.parse(raw);
    if (!RFC3339.test(raw) || Number.isNaN(ms)) {
      this.fail(
        name,
        raw,
        `The \`${name}\` query parameter value [${raw}] is not a valid RFC 3339 date-time`,
      );
      return undefined;
    }
    return ms;
  }

  id(name: string): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!TWEET_ID.test(raw)) {
      this.fail(name, raw, `The \`${name}\` query parameter value [${raw}] does not match ^[0-9]{1,19}$`);
      return undefined;
    }
    return raw;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.fail(
        name,
        raw,
        `The \`${name}\` query parameter value [${raw}] is not one of [${allowed.join(',')}]`,
      );
      return fallback;
    }
    return raw as T;
  }

  /** A comma-separated list whose every value must be one of `allowed`. */
  list<T extends string>(name: string, allowed: readonly T[]): Set<T> {
    const raw = this.string(name);
    const values = new Set<T>();
    if (raw === undefined) return values;
    for (const value of raw.split(',')) {
      if ((allowed as readonly string[]).includes(value)) values.add(value as T);
      else {
        this.fail(
          name,
          value,
          `The \`${name}\` query parameter value [${value}] is not one of [${allowed.join(',')}]`,
        );
      }
    }
    return values;
  }

  /** Throws the collected 400, if any. */
  check(): void {
    if (this.errors.length > 0) throw invalidRequest(this.errors);
  }
}
