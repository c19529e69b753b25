import { snowflakeTime } from '@tagpulse/core';
import { Lru } from '../lru.js';
import { cumulativeWeights, hashSeed, Random } from '../random.js';
import type { Scenario } from '../scenario/scenario-schema.js';
import { Authors, type SimUser } from './authors.js';
import {
  decodeLowBits,
  type GenContext,
  genContext,
  KINDS,
  MAX_POSTS_PER_SLICE,
  makeDerived,
  makeOriginal,
} from './generate.js';
import type { PostKind, SimPost, Version } from './post.js';
import { RateModel, SLICE_MS, type TagPool } from './rates.js';

/** Edits come within 30 minutes, so a version lands at most 31 slices after its post's home slice. */
const MAX_LANDING = 31;
/** How far back (in slices) a reply, quote or repost looks for the original it refers to. */
const LOOKBACK_SLICES = 240;
const MEAN_REFERENCE_AGE_SLICES = 20;

interface Slice {
  posts: SimPost[];
  byIndex: Map<number, SimPost>;
  /** landing[d]: versions of this slice's posts whose ids fall d slices later. */
  landing: Version[][];
}

interface Shell {
  shell: { kind: PostKind; slice: number; index: number; createdMs: number };
  pool: TagPool;
}

export interface WorldOptions {
  /** Generated slices kept in memory (each one minute of posts). */
  cacheSlices?: number;
}

/**
 * The simulated world: every post of a scenario, generated lazily one
 * minute-slice at a time from a PRNG keyed by (seed, slice), and kept in small
 * LRU caches, so a week of posts never sits in memory at once.
 */
export class World {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly rates: RateModel;
  readonly authors: Authors;
  private readonly ctx: GenContext;
  private readonly mixCumulative: number[];
  private readonly originalsCache: Lru<number, SimPost[]>;
  private readonly slices: Lru<number, Slice>;
  private readonly idSlices: Lru<number, Version[]>;

  constructor(scenario: Scenario, seed: number, { cacheSlices = 256 }: WorldOptions = {}) {
    this.scenario = scenario;
    this.seed = seed >>> 0;
    this.rates = new RateModel(scenario);
    this.authors = new Authors(scenario, this.seed);
    this.ctx = genContext(scenario, this.authors);
    const { original, repost, reply, quote } = scenario.mix;
    const byKind = { original, repost, reply, quote };
    this.mixCumulative = cumulativeWeights(KINDS.map((k) => byKind[k]));
    this.originalsCache = new Lru(cacheSlices * 4);
    this.slices = new Lru(cacheSlices);
    this.idSlices = new Lru(cacheSlices);
  }

  get users(): readonly SimUser[] {
    return this.authors.users;
  }

  /** [start, end) of the scenario, epoch ms: no post exists outside it. */
  get window(): { start: number; end: number } {
    return { start: this.rates.windowStart, end: this.rates.windowEnd };
  }

  sliceOf(ms: number): number {
    return Math.floor(ms / SLICE_MS);
  }

  /** Every version whose id falls in slice `s` (originals and edits alike), newest id first. */
  versionsWithIdIn(s: number): Version[] {
    let versions = this.idSlices.get(s);
    if (versions) return versions;
    versions = [];
    for (let d = 0; d <= MAX_LANDING; d++) {
      const landed = this.slice(s - d).landing[d];
      if (landed) versions.push(...landed);
    }
    versions.sort((a, b) => (a.idNum > b.idNum ? -1 : a.idNum < b.idNum ? 1 : 0));
    this.idSlices.set(s, versions);
    return versions;
  }

  /** The version with this id, whether or not it exists yet at the sim's now. */
  findVersion(id: string): Version | undefined {
    if (!/^[0-9]{1,19}$/.test(id)) return undefined;
    const low = Number(BigInt(id) & 0x3f_ffffn);
    const { version, delta, index } = decodeLowBits(low);
    const post = this.slice(this.sliceOf(snowflakeTime(id)) - delta).byIndex.get(index);
    const found = post?.versions[version];
    return found?.id === id ? found : undefined;
  }

  /** Cache occupancy, to show memory stays bounded. */
  cacheSizes(): { slices: number; originals: number; idSlices: number } {
    return { slices: this.slices.size, originals: this.originalsCache.size, idSlices: this.idSlices.size };
  }

  private slice(s: number): Slice {
    let slice = this.slices.get(s);
    if (!slice) {
      slice = this.generateSlice(s);
      this.slices.set(s, slice);
    }
    return slice;
  }

  /** Shells of the slice's posts: when, what kind, from which source of posts. */
  private shells(s: number): Shell[] {
    const rates = this.rates.ratesAt(s * SLICE_MS);
    if (rates.total === 0) return [];
    const count = Math.min(MAX_POSTS_PER_SLICE, new Random(hashSeed(this.seed, s, 0)).poisson(rates.total));
    return Array.from({ length: count }, (_, index) => {
      const rng = new Random(hashSeed(this.seed, s, index, 1));
      const createdMs = s * SLICE_MS + Math.floor(rng.next() * SLICE_MS);
      const kind = KINDS[rng.weighted(this.mixCumulative)] ?? 'original';
      const pool = rates.pools[rng.weighted(rates.cumulative)];
      if (!pool) throw new Error(`no source of posts in slice ${s}`);
      return { shell: { kind, slice: s, index, createdMs }, pool };
    });
  }

  /** The originals of slice `s` alone: they depend on nothing else, so replies and reposts can refer to them. */
  private originals(s: number, shells?: Shell[]): SimPost[] {
    let originals = this.originalsCache.get(s);
    if (!originals) {
      originals = (shells ?? this.shells(s))
        .filter(({ shell }) => shell.kind === 'original')
        .map(({ shell, pool }) =>
          makeOriginal(this.ctx, new Random(hashSeed(this.seed, s, shell.index, 2)), shell, pool),
        );
      this.originalsCache.set(s, originals);
    }
    return originals;
  }

  private generateSlice(s: number): Slice {
    const shells = this.shells(s);
    const posts: SimPost[] = [...this.originals(s, shells)];
    for (const { shell, pool } of shells) {
      if (shell.kind === 'original') continue;
      const rng = new Random(hashSeed(this.seed, s, shell.index, 2));
      const target = this.findTarget(rng, s);
      // With no original in reach (a quiet night) the reply, quote or repost never happened.
      if (target) posts.push(makeDerived(this.ctx, rng, shell, pool, target));
    }
    posts.sort((a, b) => a.index - b.index);
    const byIndex = new Map(posts.map((p) => [p.index, p]));
    const landing: Version[][] = [];
    for (const post of posts) {
      for (const v of post.versions) {
        const d = this.sliceOf(v.createdMs) - s;
        const list = landing[d] ?? [];
        list.push(v);
        landing[d] = list;
      }
    }
    return { posts, byIndex, landing };
  }

  /**
   * An original to reply to, quote or repost: from a slice a few minutes back
   * (exponentially distributed), walking further back while slices are empty.
   * Only originals that are never edited or deleted are referred to, so a
   * reference never dangles and never points at a stale version.
   */
  private findTarget(rng: Random, s: number): SimPost | undefined {
    const first = this.sliceOf(this.window.start);
    const from = s - 1 - Math.floor(-Math.log(1 - rng.next()) * MEAN_REFERENCE_AGE_SLICES);
    const pick = rng.next();
    for (let t = from; t >= Math.max(first, from - LOOKBACK_SLICES); t--) {
      const candidates = this.originals(t).filter((p) => p.versions.length === 1 && p.deletedMs === null);
      if (candidates.length > 0) return candidates[Math.floor(pick * candidates.length)];
    }
    return undefined;
  }
}
