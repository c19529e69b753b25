import { Lru } from '../lru.js';
import { compileQuery, type PostMatcher } from '../query/match-query.js';
import { parseQuery, QuerySyntaxError } from '../query/parse-query.js';
import type { SimUser } from '../world/authors.js';
import { inIndex, type SearchIndex } from '../world/search-index.js';
import type { World } from '../world/world.js';
import { DIALECT_NAMES, type Dialect } from './dialect.js';
import { MEDIA_FIELDS, PLACE_FIELDS, POLL_FIELDS, USER_FIELDS } from './fields.js';
import type { ParamReader } from './params.js';
import { invalidRequest } from './problems.js';
import type { FieldSelection } from './project.js';
import type { Reach } from './time-bounds.js';

/** Full-archive search and counts take queries of up to 1,024 characters (rate-limits.mdx). */
const ARCHIVE_MAX_QUERY_LENGTH = 1_024;

/** How an empty search page names its ids: live X leaves them out, X's emulator sends `""`. */
export type EmptyPage = 'x' | 'emulator';

export interface ApiOptions {
  /** X enforces 512 characters on recent search for self-serve tiers. */
  maxQueryLength?: number | undefined;
  /** The index search and counts read; `2026` leaves reposts out. */
  searchIndex?: SearchIndex | undefined;
  emptyPage?: EmptyPage | undefined;
  /** Field, expansion and `includes` names of OpenAPI 2.152 (`tweet`, default) or 2.167 (`post`). */
  dialect?: Dialect | undefined;
}

/** What every endpoint handler reads: the world, how the API behaves, and the per-server caches around it. */
export class ApiContext {
  private readonly queries = new Lru<string, PostMatcher>(256);
  private readonly users: Map<string, SimUser>;
  readonly maxQueryLength: number;
  readonly searchIndex: SearchIndex;
  readonly emptyPage: EmptyPage;
  readonly dialect: Dialect;

  constructor(
    readonly world: World,
    options: ApiOptions = {},
  ) {
    this.users = new Map(world.users.map((u) => [u.id, u]));
    this.maxQueryLength = options.maxQueryLength ?? 512;
    this.searchIndex = options.searchIndex ?? '2026';
    this.emptyPage = options.emptyPage ?? 'x';
    this.dialect = options.dialect ?? 'tweet';
  }

  userById = (id: string): SimUser | undefined => this.users.get(id);

  /** The `query` parameter, parsed and compiled once per distinct string. */
  matcher(params: ParamReader, reach: Reach = 'recent'): PostMatcher {
    const query = params.required('query');
    params.check();
    const maxLength = reach === 'recent' ? this.maxQueryLength : ARCHIVE_MAX_QUERY_LENGTH;
    if ([...query].length > maxLength) {
      throw invalidRequest([
        {
          parameters: { query: [query] },
          message: `There were errors processing your request: Query length must be ${maxLength} characters or less`,
        },
      ]);
    }
    let matcher = this.queries.get(query);
    if (matcher) return matcher;
    try {
      const compiled = compileQuery(parseQuery(query));
      const index = this.searchIndex;
      matcher = index === 'legacy' ? compiled : (v) => inIndex(v.post.kind, index) && compiled(v);
    } catch (err) {
      if (!(err instanceof QuerySyntaxError)) throw err;
      throw invalidRequest([{ parameters: { query: [query] }, message: err.message }]);
    }
    this.queries.set(query, matcher);
    return matcher;
  }
}

/** The field and expansion parameters shared by search and lookup, in the dialect's names. */
export function fieldParams(dialect: Dialect): string[] {
  return [
    DIALECT_NAMES[dialect].fieldsParam,
    'expansions',
    'user.fields',
    'media.fields',
    'poll.fields',
    'place.fields',
  ];
}

export function readFields(params: ParamReader, dialect: Dialect): FieldSelection {
  params.list('poll.fields', POLL_FIELDS);
  params.list('place.fields', PLACE_FIELDS);
  const names = DIALECT_NAMES[dialect];
  return {
    tweet: internal(params.list(names.fieldsParam, [...names.fields.keys()]), names.fields),
    expansions: internal(params.list('expansions', [...names.expansions.keys()]), names.expansions),
    user: params.list('user.fields', USER_FIELDS),
    media: params.list('media.fields', MEDIA_FIELDS),
    names,
  };
}

/** What x-sim has of the requested names; the rest are accepted and answered with nothing, as X does for absent data. */
function internal<T>(requested: Set<string>, known: ReadonlyMap<string, T | undefined>): Set<T> {
  const out = new Set<T>();
  for (const name of requested) {
    const inside = known.get(name);
    if (inside !== undefined) out.add(inside);
  }
  return out;
}
