export {
  isJobName,
  type JobName,
  type JobPayload,
  jobCatalog,
  QUEUE_NAMES,
  type QueueName,
} from './catalog.js';
export { createRedis, type RedisRole } from './connection.js';
export {
  closeQueues,
  createQueues,
  hashtagsChangedChannel,
  nudge,
  type Queues,
  removeSchedulesExcept,
  upsertSchedule,
} from './producer.js';
