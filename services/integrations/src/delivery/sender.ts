/**
 * The sender: claims due deliveries, posts them, and saves each outcome. Deliveries run at once up
 * to WEBHOOK_CONCURRENCY in this process and WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION per subscription,
 * so a receiver that answers slowly holds at most its own share and never delays the others. A
 * subscription's deliveries of one mission go out one after the other, in feed order (the claim
 * only takes the oldest pending one). Several replicas share the work through leases.
 */
import type { Logger } from 'pino';
import type { BackgroundTask, Pool } from '@smart-expertise/service-runtime';
import { nextAttemptAt } from '../domain/retry.ts';
import { decryptSecret } from '../domain/secrets.ts';
import { webhookHeaders } from '../domain/signature.ts';
import { claimDue, saveAttempt, type ClaimedDelivery } from '../store/deliveries.ts';
import type { Poster } from './post.ts';

export interface SenderOptions {
  pool: Pool;
  logger: Logger;
  poster: Poster;
  secretsKey: Buffer;
  retryDelaysMs: readonly number[];
  concurrency: number;
  perSubscription: number;
  timeoutMs: number;
  pollMs: number;
  clock: () => Date;
  onOutcome?: (outcome: 'delivered' | 'retry' | 'given_up') => void;
  userAgent?: string;
}

export class DeliverySender implements BackgroundTask {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Map<string, number>();
  private readonly sending = new Set<Promise<void>>();
  private wakeUp: (() => void) | null = null;
  private woken = false;

  constructor(private readonly options: SenderOptions) {}

  /** Something is due sooner than the next poll: a delivery was made or an attempt ended. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async start(): Promise<void> {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    // What is in flight finishes (bounded by the timeout) and is saved; nothing is cut halfway.
    await Promise.allSettled([...this.sending]);
    this.options.poster.close();
  }

  private total(): number {
    let n = 0;
    for (const v of this.inFlight.values()) n += v;
    return n;
  }

  private async run(): Promise<void> {
    const { pool, logger, concurrency, perSubscription, timeoutMs, pollMs } = this.options;
    while (this.running) {
      this.woken = false;
      let claimed: ClaimedDelivery[] = [];
      const room = concurrency - this.total();
      if (room > 0) {
        try {
          // The lease outlasts the attempt (its timeout) with a margin for saving the result.
          claimed = await claimDue(pool, { limit: room, perSubscription, busy: this.inFlight, leaseMs: timeoutMs * 2 + 5_000 });
        } catch (error) {
          logger.warn({ err: error }, 'could not claim due deliveries; trying again');
        }
      }
      for (const delivery of claimed) this.send(delivery);
      // A full claim means more may be due: look again at once. Otherwise wait to be woken or polled.
      if (claimed.length > 0 && claimed.length === room) continue;
      if (this.woken || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = null;
    }
  }

  private send(delivery: ClaimedDelivery): void {
    const id = delivery.subscriptionId;
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    const task = this.attempt(delivery)
      .catch((error) => this.options.logger.error({ err: error, deliveryId: delivery.id }, 'delivery attempt not saved; its lease will run out and it is tried again'))
      .finally(() => {
        const left = (this.inFlight.get(id) ?? 1) - 1;
        if (left > 0) this.inFlight.set(id, left);
        else this.inFlight.delete(id);
        this.sending.delete(task);
        this.wake();
      });
    this.sending.add(task);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { pool, logger, poster, secretsKey, retryDelaysMs, clock } = this.options;
    const at = clock();
    const secrets = [decryptSecret(secretsKey, delivery.subscriptionId, delivery.secretEncrypted)];
    if (delivery.previousSecretEncrypted && delivery.previousSecretExpiresAt && delivery.previousSecretExpiresAt > at) {
      secrets.push(decryptSecret(secretsKey, delivery.subscriptionId, delivery.previousSecretEncrypted));
    }
    const headers = { ...webhookHeaders(delivery.eventId, at, delivery.body, secrets), 'user-agent': this.options.userAgent ?? 'SmartExpertise-Webhooks/1' };
    const result = await poster.post(delivery.url, headers, delivery.body);
    const delivered = result.status !== null && result.status >= 200 && result.status < 300;
    const failed = delivery.attempts + 1 - delivery.retryBase;
    const next = delivered ? null : nextAttemptAt(retryDelaysMs, failed, clock(), Math.random());
    const error = delivered ? null : (result.error ?? `HTTP ${result.status}`);
    const { disabled } = await saveAttempt(pool, delivery, { at, durationMs: result.durationMs, status: result.status, error, delivered, nextAttemptAt: next });
    const outcome = delivered ? 'delivered' : next ? 'retry' : 'given_up';
    this.options.onOutcome?.(outcome);
    const log = { deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, eventId: delivery.eventId, attempt: delivery.attempts + 1, status: result.status, durationMs: result.durationMs };
    if (delivered) logger.debug(log, 'webhook delivered');
    else if (next) logger.info({ ...log, error, nextAttemptAt: next.toISOString() }, 'webhook delivery failed; will retry');
    else logger.warn({ ...log, error, subscriptionDisabled: disabled }, 'webhook delivery given up after the retry schedule');
  }
}
