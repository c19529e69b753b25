import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { default as formats } from 'ajv-formats';

/** The X API v2 OpenAPI specification x-sim serves, vendored in `vendor/x-api/`. */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const SPEC_PATH = path.resolve(repoRoot, 'vendor/x-api/openapi-v2.152.json');

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface Spec {
  paths: Record<string, { get?: Operation }>;
  components: { schemas: Record<string, { discriminator?: { mapping?: Record<string, string> } }> };
}

const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;
// ajv-formats is CommonJS: under NodeNext its `exports.default` is the plugin.
const addFormats = formats.default;
// OpenAPI 3.0 adds keywords JSON Schema lacks (discriminator, example); strict: false lets ajv skip them.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec as object, 'x-api');
const compiled = new Map<string, ValidateFunction>();

function validatorFor(ref: string): ValidateFunction {
  let validate = compiled.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: `x-api${ref}` });
    compiled.set(ref, validate);
  }
  return validate;
}

/**
 * Checks a response body against the response schema of `GET apiPath` in the
 * spec: the 200 schema, or the `default` problem schema for any other status.
 * ajv ignores OpenAPI's `discriminator`, so each problem (the body of an error,
 * each entry of `errors[]`) is also checked against the schema its `type` maps
 * to. Returns the validation errors, empty when the body conforms.
 */
export function specErrors(apiPath: string, status: number, contentType: string, body: unknown): string[] {
  const operation = spec.paths[apiPath]?.get;
  if (!operation) return [`no GET ${apiPath} in the spec`];
  const response = operation.responses[String(status)] ?? operation.responses.default;
  const media = contentType.includes('problem+json') ? 'application/problem+json' : 'application/json';
  let ref = response?.content?.[media]?.schema.$ref;
  // X sends some problems (503) as application/json; the spec files them under problem+json.
  if (status !== 200 && ref === '#/components/schemas/Error') ref = '#/components/schemas/Problem';
  if (!ref) return [`no ${media} schema for ${status} of GET ${apiPath}`];
  const errors = run(ref, body);
  const problems = status === 200 ? ((body as { errors?: unknown[] }).errors ?? []) : [body];
  for (const problem of problems) errors.push(...problemErrors(problem));
  return errors;
}

/**
 * Problems live X sends that its spec does not list (README, "Billing"): they
 * are held to the generic Problem schema, and no other type is let through.
 */
const UNLISTED_PROBLEMS = new Set(['https://api.twitter.com/2/problems/credits']);

function problemErrors(problem: unknown): string[] {
  const type = (problem as { type?: unknown }).type;
  const mapped =
    typeof type === 'string' ? spec.components.schemas.Problem?.discriminator?.mapping?.[type] : undefined;
  if (mapped) return run(mapped, problem);
  if (typeof type === 'string' && UNLISTED_PROBLEMS.has(type))
    return run('#/components/schemas/Problem', problem);
  return [`problem type ${String(type)} is not in the spec's Problem mapping`];
}

function run(ref: string, body: unknown): string[] {
  const validate = validatorFor(ref);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${ref.split('/').pop()}${e.instancePath} ${e.message ?? ''}`);
}
