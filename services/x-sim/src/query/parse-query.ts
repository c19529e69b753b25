import { hashtagKey } from '@tagpulse/core';

/**
 * The subset of X's search query language that tagpulse's queries use:
 * hashtags, keywords and "phrases", `from:`, `is:retweet|reply|quote`,
 * `has:media`, `lang:`, AND by space, `OR`, parentheses and `-` negation.
 * AND binds tighter than OR (`a OR b c` = `a OR (b c)`), as on X.
 */
export type QueryNode =
  | { type: 'or'; items: QueryNode[] }
  | { type: 'and'; items: QueryNode[] }
  | { type: 'not'; item: QueryNode }
  | { type: 'hashtag'; key: string }
  | { type: 'keyword'; text: string }
  | { type: 'from'; username: string }
  | { type: 'is'; what: 'retweet' | 'reply' | 'quote' }
  | { type: 'has'; what: 'media' }
  | { type: 'lang'; code: string };

/** A query X would reject; `position` is 1-based, as in X's messages. */
export class QuerySyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`There were errors processing your request: ${reason} (at position ${position})`);
    this.name = 'QuerySyntaxError';
  }
}

interface Token {
  kind: 'open' | 'close' | 'or' | 'term';
  text: string;
  negated: boolean;
  position: number;
}

const IS_VALUES = new Set(['retweet', 'reply', 'quote']);
/** Operators X has that x-sim does not model; they are rejected rather than silently ignored. */
const KNOWN_UNSUPPORTED = new Set([
  'to',
  'url',
  'conversation_id',
  'place',
  'point_radius',
  'bounding_box',
  'list',
]);

export function parseQuery(query: string): QueryNode {
  const tokens = tokenize(query);
  let i = 0;

  const parseOr = (): QueryNode => {
    const items = [parseAnd()];
    while (tokens[i]?.kind === 'or') {
      const or = tokens[i];
      i++;
      if (!tokens[i] || tokens[i]?.kind === 'close' || tokens[i]?.kind === 'or') {
        throw new QuerySyntaxError("Ambiguous use of 'OR' with nothing after it", or?.position ?? 1);
      }
      items.push(parseAnd());
    }
    return items.length === 1 && items[0] ? items[0] : { type: 'or', items };
  };

  const parseAnd = (): QueryNode => {
    const items: QueryNode[] = [];
    for (let t = tokens[i]; t && t.kind !== 'or' && t.kind !== 'close'; t = tokens[i]) {
      i++;
      if (t.kind === 'open') {
        if (tokens[i]?.kind === 'close') throw new QuerySyntaxError('Empty parentheses', t.position);
        const inner = parseOr();
        if (tokens[i]?.kind !== 'close')
          throw new QuerySyntaxError('Missing closing parenthesis', t.position);
        i++;
        items.push(t.negated ? { type: 'not', item: inner } : inner);
      } else {
        const node = parseTerm(t);
        items.push(t.negated ? { type: 'not', item: node } : node);
      }
    }
    const first = items[0];
    if (!first) {
      throw new QuerySyntaxError("Ambiguous use of 'OR' with nothing before it", tokens[i]?.position ?? 1);
    }
    return items.length === 1 ? first : { type: 'and', items };
  };

  const root = parseOr();
  const stray = tokens[i];
  if (stray) throw new QuerySyntaxError('Unbalanced closing parenthesis', stray.position);
  if (!hasStandalone(root)) {
    throw new QuerySyntaxError(
      allNegated(root)
        ? 'Rules must contain a non-negation term'
        : 'Rules must contain a standalone operator; is:, has: and lang: only narrow other terms',
      1,
    );
  }
  return root;
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const chars = Array.from(query);
  let i = 0;
  while (i < chars.length) {
    const c = chars[i] ?? '';
    if (/\s/u.test(c)) {
      i++;
      continue;
    }
    const position = i + 1;
    let negated = false;
    if (c === '-') {
      negated = true;
      i++;
      if (i >= chars.length || /\s/u.test(chars[i] ?? ''))
        throw new QuerySyntaxError("Dangling '-'", position);
    }
    const d = chars[i] ?? '';
    if (d === '(') {
      tokens.push({ kind: 'open', text: '(', negated, position });
      i++;
    } else if (d === ')') {
      if (negated) throw new QuerySyntaxError("Dangling '-'", position);
      tokens.push({ kind: 'close', text: ')', negated, position });
      i++;
    } else if (d === '"') {
      const end = chars.indexOf('"', i + 1);
      if (end < 0) throw new QuerySyntaxError('Unterminated quoted phrase', position);
      tokens.push({ kind: 'term', text: chars.slice(i, end + 1).join(''), negated, position });
      i = end + 1;
    } else {
      let j = i;
      while (j < chars.length && !/[\s()]/u.test(chars[j] ?? '')) j++;
      const text = chars.slice(i, j).join('');
      i = j;
      if (text === 'OR' && !negated) tokens.push({ kind: 'or', text, negated, position });
      else tokens.push({ kind: 'term', text, negated, position });
    }
  }
  if (tokens.length === 0) throw new QuerySyntaxError('Empty query', 1);
  return tokens;
}

function parseTerm(t: Token): QueryNode {
  const { text, position } = t;
  if (text.startsWith('"')) return { type: 'keyword', text: fold(text.slice(1, -1)) };
  if (text.startsWith('#') || text.startsWith('＃')) {
    const key = hashtagKey(text);
    if (!/^[\p{L}\p{M}\p{N}_]+$/u.test(key))
      throw new QuerySyntaxError(`Invalid hashtag '${text}'`, position);
    return { type: 'hashtag', key };
  }
  const colon = text.indexOf(':');
  if (colon > 0 && !text.includes('://')) {
    const op = text.slice(0, colon).toLowerCase();
    const value = text.slice(colon + 1);
    if (op === 'is' && IS_VALUES.has(value.toLowerCase())) {
      return { type: 'is', what: value.toLowerCase() as 'retweet' | 'reply' | 'quote' };
    }
    if (op === 'has' && value.toLowerCase() === 'media') return { type: 'has', what: 'media' };
    if (op === 'lang' && /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/.test(value)) return { type: 'lang', code: value };
    if (op === 'from' && /^@?[A-Za-z0-9_]{1,15}$/.test(value)) {
      return { type: 'from', username: value.replace(/^@/, '').toLowerCase() };
    }
    if (op === 'is' || op === 'has' || op === 'lang' || op === 'from' || KNOWN_UNSUPPORTED.has(op)) {
      throw new QuerySyntaxError(`Reference to invalid operator '${text}'`, position);
    }
    throw new QuerySyntaxError(`Reference to invalid field '${op}'`, position);
  }
  return { type: 'keyword', text: fold(text) };
}

function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** X rejects a query that could match without one standalone (non-narrowing, non-negated) term. */
function hasStandalone(node: QueryNode): boolean {
  switch (node.type) {
    case 'or':
      return node.items.every(hasStandalone);
    case 'and':
      return node.items.some(hasStandalone);
    case 'not':
    case 'is':
    case 'has':
    case 'lang':
      return false;
    default:
      return true;
  }
}

function allNegated(node: QueryNode): boolean {
  if (node.type === 'not') return true;
  if (node.type === 'and' || node.type === 'or') return node.items.every(allNegated);
  return false;
}
