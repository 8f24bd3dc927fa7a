// The fan-out scenario's baseline, a process of its own as the integrations service is (started by
// src/lib/helper.ts): a bare loop of HTTP POSTs to the same receivers, with what the service's
// poster uses (node:http, one keep-alive agent, at most `perOrigin` sockets to one receiver) at the
// service's concurrency, the same body and the same header names. No database, no claim, no
// signature (the signature header is a constant of the same length), no timeout timer.
// Question: run { urls, count, concurrency, perOrigin, body, headers } → { seconds, ok, failed }.
import http from 'node:http';
import { answerQuestions } from './lib/answer.ts';

interface Run {
  urls: string[];
  count: number;
  concurrency: number;
  perOrigin: number;
  body: string;
  /** Header names and values as the service sent them: webhook-id and webhook-timestamp are made per POST. */
  headers: Record<string, string>;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(url: URL, headers: Record<string, string>, body: string): Promise<number | null> {
  return new Promise((resolve) => {
    const request = http.request(url, { method: 'POST', agent, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? null));
      response.on('error', () => resolve(null));
    });
    request.on('error', () => resolve(null));
    request.end(body);
  });
}

async function run({ urls, count, concurrency, perOrigin, body, headers }: Run) {
  agent.maxSockets = perOrigin;
  const targets = urls.map((u) => new URL(u));
  const length = Buffer.byteLength(body).toString();
  let next = 0;
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const status = await post(
        targets[i % targets.length]!,
        {
          ...headers,
          'webhook-id': `evt_${i.toString(16).padStart(32, '0')}`,
          'webhook-timestamp': Math.floor(Date.now() / 1000).toString(),
          'content-type': 'application/json',
          'content-length': length,
        },
        body,
      );
      if (status !== null && status >= 200 && status < 300) ok++;
      else failed++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { seconds: (performance.now() - started) / 1000, ok, failed };
}

answerQuestions((question) => {
  if (question.type === 'run') return run(question as unknown as Run);
  throw new Error(`unknown question ${question.type}`);
});
