// What a period of one scope holds: its totals (insights/period-totals.ts) and the posts,
// authors, co-occurring hashtags and languages behind them (insights/posts.ts).

export {
  type AdditiveTotals,
  periodsFigures,
  periodsTotals,
  periodTotals,
} from './insights/period-totals.js';
export {
  type AuthorView,
  cohashtags,
  languages,
  listPosts,
  type PostsFilter,
  type PostView,
  type TopPostsBy,
  topAuthors,
  topPosts,
} from './insights/posts.js';
export type { ScopeRange } from './insights/scope-range.js';
