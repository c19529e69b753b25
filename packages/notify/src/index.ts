export { MAX_ATTEMPTS, retryDelayMs } from './backoff.js';
export { channelKey, createDeliverer, type Deliverer, type DelivererOptions } from './deliver.js';
export { createMailer, type Mailer } from './email.js';
export { DeliveryError, type Message, type MessageAttachment } from './message.js';
export { isSlackWebhook, sendWebhook, webhookBody } from './webhook.js';
