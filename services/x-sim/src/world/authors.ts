import { snowflakeAt } from '@tagpulse/core';
import { cumulativeWeights, hashSeed, Random } from '../random.js';
import type { Scenario } from '../scenario/scenario-schema.js';

export interface SimUser {
  /** Position in the population; also the low bits of the id. */
  index: number;
  id: string;
  username: string;
  name: string;
  createdAt: string;
  lang: string;
  followers: number;
  following: number;
  tweetCount: number;
  listed: number;
  verified: boolean;
  verifiedType: 'blue' | 'government' | 'business' | 'none';
  description: string;
  location: string | null;
  profileImageUrl: string;
}

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ra',
  'to',
  'ne',
  'sa',
  'vi',
  'du',
  'ar',
  'el',
  'yo',
  'zu',
  'be',
  'fi',
  'ch',
];
const FIRST = [
  'Amina',
  'Luis',
  'Mei',
  'Olga',
  'Pierre',
  'Sara',
  'Omar',
  'Ana',
  'Ivan',
  'Lena',
  'Kofi',
  'Yuki',
];
const LAST = ['Haddad', 'García', 'Chen', 'Petrova', 'Dubois', 'Rossi', 'Mensah', 'Silva', 'Kim', 'Novak'];
const PLACES = [
  'New York, NY',
  'Genève',
  'Nairobi',
  'Madrid',
  'القاهرة',
  'Москва',
  '北京',
  'Vienna',
  'Lagos',
];
const ACCOUNTS_FROM = Date.parse('2011-01-01T00:00:00Z');
const ACCOUNTS_TO = Date.parse('2020-01-01T00:00:00Z');
const MAX_ORDINARY_FOLLOWERS = 90_000;

/**
 * The author population: the scenario's institutional accounts first (large
 * audiences, a fixed share of posts), then ordinary accounts whose follower
 * counts are Pareto-distributed (many small, a few large) and whose activity is
 * skewed, so some people post far more than others.
 */
export class Authors {
  readonly users: SimUser[];
  private readonly cumulative: number[];
  private readonly institutionalCount: number;

  constructor(scenario: Scenario, seed: number) {
    const rng = new Random(hashSeed(seed, 0xa0));
    const langs = Object.keys(scenario.languages);
    const langCumulative = cumulativeWeights(Object.values(scenario.languages));
    const inst = scenario.authors.institutional;
    this.users = inst.map((a, index) =>
      makeUser(rng, index, {
        username: a.username,
        name: a.name,
        lang: a.lang,
        followers: a.followers,
        verifiedType: index % 2 === 0 ? 'government' : 'business',
      }),
    );
    for (let i = 0; i < scenario.authors.count; i++) {
      const index = inst.length + i;
      const syllables = Array.from({ length: rng.int(2, 3) }, () => rng.pick(SYLLABLES)).join('');
      const followers = Math.min(
        MAX_ORDINARY_FOLLOWERS,
        Math.floor(rng.pareto(scenario.authors.followers.min + 1, scenario.authors.followers.alpha)) - 1,
      );
      this.users.push(
        makeUser(rng, index, {
          username: `${syllables}_${index}`.slice(0, 15),
          name: `${rng.pick(FIRST)} ${rng.pick(LAST)}`,
          lang: langs[rng.weighted(langCumulative)] ?? 'en',
          followers,
          verifiedType: rng.chance(0.05) ? 'blue' : 'none',
        }),
      );
    }
    this.institutionalCount = inst.length;
    const instWeight = inst.reduce((sum, a) => sum + a.weight, 0);
    this.cumulative = cumulativeWeights([...inst.map((a) => a.weight), Math.max(0, 1 - instWeight)]);
  }

  /** An author for one post: an institution by its share, else an ordinary author, skewed to the active few. */
  pick(rng: Random): SimUser {
    const slot = rng.weighted(this.cumulative);
    const ordinary = this.users.length - this.institutionalCount;
    const index =
      slot < this.institutionalCount || ordinary === 0
        ? Math.min(slot, this.users.length - 1)
        : this.institutionalCount + Math.floor(rng.next() ** 2 * ordinary);
    const user = this.users[index];
    if (!user) throw new RangeError(`no author at ${index}`);
    return user;
  }
}

function makeUser(
  rng: Random,
  index: number,
  base: Pick<SimUser, 'username' | 'name' | 'lang' | 'followers' | 'verifiedType'>,
): SimUser {
  const created = Math.floor(rng.between(ACCOUNTS_FROM, ACCOUNTS_TO) / 1000) * 1000;
  return {
    ...base,
    index,
    id: snowflakeAt(created, index),
    createdAt: new Date(created).toISOString(),
    following: rng.int(10, 2_000),
    tweetCount: rng.int(50, 40_000),
    listed: Math.floor(base.followers / rng.int(40, 200)),
    verified: base.verifiedType !== 'none',
    description: `${base.name} · posts about prevention, policy and partnerships.`,
    location: rng.chance(0.7) ? rng.pick(PLACES) : null,
    profileImageUrl: `https://pbs.twimg.com/profile_images/${index}/avatar_normal.jpg`,
  };
}
