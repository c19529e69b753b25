export { isPublicAddress, type WebhookPolicy } from './address-policy.js';
export { MAX_ATTEMPTS, retryDelayMs } from './backoff.js';
export { channelKey, createDeliverer, type Deliverer, type DelivererOptions } from './deliver.js';
export { createMailer, type Mailer, type SmtpOptions, sendDeadlineMs } from './email.js';
export { DeliveryError, type Message, type MessageAttachment } from './message.js';
export { isSlackWebhook, sendWebhook, slackEscape, webhookBody } from './webhook.js';
