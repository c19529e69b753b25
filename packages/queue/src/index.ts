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
  nudge,
  type Queues,
  queuePrefix,
  removeSchedulesExcept,
  upsertSchedule,
} from './producer.js';
