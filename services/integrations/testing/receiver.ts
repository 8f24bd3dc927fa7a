// A webhook receiver on loopback, as an integrator would run one, for the integration, end-to-end
// and fault tests: it verifies every delivery's Standard Webhooks signature with the secrets it
// holds, records what it accepted, and answers as the test tells it (or is down).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  webhookId: string;
  timestamp: number;
  signature: string;
  body: string;
  event: { id: string; type: string; missionId: string; data: Record<string, any> };
  /** Which of the receiver's secrets verified it. */
  verifiedWith: string[];
}

export class Receiver {
  readonly accepted: Received[] = [];
  readonly rejected: { reason: string; headers: IncomingMessage['headers'] }[] = [];
  /** Requests seen, answered or not. */
  requests = 0;
  /** What to answer next, per request; 204 when empty. */
  answers: number[] = [];
  secrets: string[] = [];
  /** While true, requests are held unanswered (a slow receiver) until `release()`. */
  hold = false;
  /** Requests being held now, and the most ever held at once. */
  held = 0;
  mostHeld = 0;
  private waiting: (() => void)[] = [];
  private server: Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.requests += 1;
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => (this.hold ? this.wait(response, () => answer()) : answer()));
      const answer = () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = {
          'webhook-id': String(request.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
        };
        const verifiedWith = this.secrets.filter((secret) => {
          try {
            new Webhook(secret).verify(body, headers);
            return true;
          } catch {
            return false;
          }
        });
        const status = this.answers.shift() ?? 204;
        if (verifiedWith.length === 0) {
          this.rejected.push({ reason: 'signature', headers: request.headers });
          response.writeHead(401).end();
          return;
        }
        if (status >= 200 && status < 300) {
          this.accepted.push({
            webhookId: headers['webhook-id'],
            timestamp: Number(headers['webhook-timestamp']),
            signature: headers['webhook-signature'],
            body,
            event: JSON.parse(body),
            verifiedWith,
          });
        }
        response.writeHead(status).end();
      };
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  /** Holds a request until release(), or until its sender gives up on it (its timeout). */
  private wait(response: ServerResponse, then: () => void): void {
    this.held += 1;
    this.mostHeld = Math.max(this.mostHeld, this.held);
    let done = false;
    const finish = (answer: boolean) => {
      if (done) return;
      done = true;
      this.held -= 1;
      if (answer) then();
    };
    response.on('close', () => finish(false));
    this.waiting.push(() => finish(true));
  }

  /** Answers every held request, and stops holding. */
  release(): void {
    this.hold = false;
    for (const answer of this.waiting.splice(0)) answer();
  }

  /** Down: connections are refused until start() again (on the same port). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
