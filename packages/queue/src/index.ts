export {
  isJobName,
  type JobName,
  type JobPayload,
  jobCatalog,
  QUEUE_NAMES,
  type QueueName,
} from './catalog.js';
export { createRedis, type RedisClient, type RedisRole, redisNodeUrls } from './connection.js';
export {
  closeQueues,
  createQueues,
  hashtagsChangedChannel,
  lapsedSchedules,
  nudge,
  type Queues,
  queuePrefix,
  removeSchedulesExcept,
  type Schedule,
  upsertSchedule,
  upsertSchedules,
} from './producer.js';
