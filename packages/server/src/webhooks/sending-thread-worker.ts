import { parentPort } from 'node:worker_threads';
import type { AttemptRequest, AttemptReply } from './sending-thread.js';
import { sendWebhook } from './sender.js';

/*
 * The webhook sending thread (sending-thread.ts): signs and POSTs the attempts it is handed and
 * answers each outcome. Answers that settle together go back in one message.
 */
const port = parentPort!;
let replies: AttemptReply[] = [];

function answer(reply: AttemptReply): void {
  if (replies.length === 0) {
    queueMicrotask(() => {
      const batch = replies;
      replies = [];
      port.postMessage(batch);
    });
  }
  replies.push(reply);
}

port.on('message', (attempts: AttemptRequest[]) => {
  for (const { id, target, allowPrivate, timeoutMs, now } of attempts) {
    sendWebhook(target, { allowPrivate, timeoutMs, now: new Date(now) }).then(
      (result) => answer({ id, result }),
      (e: unknown) => answer({ id, result: { statusCode: null, error: e instanceof Error ? e.message : String(e) } }),
    );
  }
});
