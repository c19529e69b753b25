import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '@tagpulse/x-sim';
import { Ajv, type ValidateFunction } from 'ajv';
import { default as formats } from 'ajv-formats';

/** The X API v2 OpenAPI specifications x-sim speaks, vendored in `vendor/x-api/`: 2.152 (`tweet`) and 2.167 (`post`). */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const SPEC_PATHS: Record<Dialect, string> = {
  tweet: path.resolve(repoRoot, 'vendor/x-api/openapi-v2.152.json'),
  post: path.resolve(repoRoot, 'vendor/x-api/openapi-v2.167.json'),
};
export const SPEC_PATH = SPEC_PATHS.tweet;

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface Spec {
  paths: Record<string, { get?: Operation }>;
  components: { schemas: Record<string, { discriminator?: { mapping?: Record<string, string> } }> };
}

// ajv-formats is CommonJS: under NodeNext its `exports.default` is the plugin.
const addFormats = formats.default;
// OpenAPI 3.0 adds keywords JSON Schema lacks (discriminator, example); strict: false lets ajv skip them.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const specs = new Map<Dialect, Spec>();
const compiled = new Map<string, ValidateFunction>();

function specOf(dialect: Dialect): Spec {
  let spec = specs.get(dialect);
  if (!spec) {
    spec = JSON.parse(readFileSync(SPEC_PATHS[dialect], 'utf8')) as Spec;
    ajv.addSchema(spec as object, `x-api-${dialect}`);
    specs.set(dialect, spec);
  }
  return spec;
}

function validatorFor(dialect: Dialect, ref: string): ValidateFunction {
  const key = `x-api-${dialect}${ref}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: key });
    compiled.set(key, validate);
  }
  return validate;
}

/**
 * Problems live X sends that a spec's Problem mapping does not list (README,
 * "Billing", "Dialects"): they are held to RFC 7807's `type` and `title`, and no
 * other type is let through. 2.167 maps only nine problem types, none of them
 * the generic `about:blank` (401, 404, 429, 503), usage-capped or client-forbidden.
 */
const UNLISTED_PROBLEMS: Record<Dialect, ReadonlySet<string>> = {
  tweet: new Set(['https://api.twitter.com/2/problems/credits']),
  post: new Set([
    'about:blank',
    'https://api.x.com/2/problems/credits',
    'https://api.x.com/2/problems/usage-capped',
    'https://api.x.com/2/problems/client-forbidden',
  ]),
};
const BARE_PROBLEM = ajv.compile({
  type: 'object',
  required: ['type', 'title'],
  properties: { type: { type: 'string' }, title: { type: 'string' }, detail: { type: 'string' } },
});

/**
 * Checks a response body against the response schema of `GET apiPath` in the
 * dialect's spec: the 200 schema, or for any other status the schema its
 * problem `type` maps to. ajv ignores OpenAPI's `discriminator`, so each
 * problem (the body of an error, each entry of `errors[]`) is checked against
 * the schema its `type` maps to. Returns the validation errors, empty when the
 * body conforms.
 */
export function specErrors(
  apiPath: string,
  status: number,
  contentType: string,
  body: unknown,
  dialect: Dialect = 'tweet',
): string[] {
  const spec = specOf(dialect);
  const operation = spec.paths[apiPath]?.get;
  if (!operation) return [`no GET ${apiPath} in the ${dialect} spec`];
  if (status !== 200) return problemErrors(spec, dialect, body);
  const media = contentType.includes('problem+json') ? 'application/problem+json' : 'application/json';
  const ref = operation.responses['200']?.content?.[media]?.schema.$ref;
  if (!ref) return [`no ${media} schema for 200 of GET ${apiPath}`];
  const errors = run(dialect, ref, body);
  for (const problem of (body as { errors?: unknown[] }).errors ?? [])
    errors.push(...problemErrors(spec, dialect, problem));
  return errors;
}

function problemErrors(spec: Spec, dialect: Dialect, problem: unknown): string[] {
  const type = (problem as { type?: unknown }).type;
  const mapped =
    typeof type === 'string' ? spec.components.schemas.Problem?.discriminator?.mapping?.[type] : undefined;
  if (mapped) return run(dialect, mapped, problem);
  if (typeof type === 'string' && UNLISTED_PROBLEMS[dialect].has(type)) {
    return BARE_PROBLEM(problem)
      ? []
      : (BARE_PROBLEM.errors ?? []).map((e) => `Problem${e.instancePath} ${e.message}`);
  }
  return [`problem type ${String(type)} is not in the ${dialect} spec's Problem mapping`];
}

function run(dialect: Dialect, ref: string, body: unknown): string[] {
  const validate = validatorFor(dialect, ref);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${ref.split('/').pop()}${e.instancePath} ${e.message ?? ''}`);
}
