// The roll-ups' queries, by concern under rollups/: writes (recompute after a page, back-fill,
// outdated definitions), each hour's top posts and author sets, each finished day's author sets,
// registered zones and their build, and reads. Which buckets a change touches is planned in core (rollup-plan.ts).

/*
 * What is stored, and why (measured on the bench's 10 M posts):
 * - 5-minute and hour rows in UTC. A 5-minute bucket is the same in every zone in use
 *   (offsets are multiples of 15 minutes), and an hour is the same in every whole-hour zone,
 *   so these serve most zones without copies. A 90-day hourly series reads 2 160 rows by
 *   primary key.
 * - Day and week rows (and hour rows where the zone's hours do not start on a UTC hour, as
 *   in Kolkata) per *registered* zone. Days and weeks cannot be summed from hours for the
 *   distinct metrics (unique authors, reach), and computing them from the posts on each
 *   request costs seconds over months of posts. A zone is registered the first time a series asks for
 *   it (at most ROLLUP_ZONES_MAX of them from read keys) and its history is computed from
 *   the posts by a worker; from then on every touched bucket is maintained in it as in UTC.
 *   Until it is ready, its series are computed from the posts of the period asked.
 */

export { hoursStamp } from './rollups/day-authors.js';
export { ALL_NETWORKS_ROW, ALL_SCOPE } from './rollups/posts-in-buckets.js';
export { computeSeries, needsZone, readSeries, scopeMetrics } from './rollups/reads.js';
export { TOP_POSTS_PER_HOUR } from './rollups/top-posts.js';
export { backfill, recomputeOutdated, recomputeTouched } from './rollups/writes.js';
export { buildDueZone } from './rollups/zone-build.js';
export { registerZone, type ZoneStatus, zoneReady, zoneStatus } from './rollups/zones.js';
