// The webhook receivers of the fan-out scenario, a process of their own (started by
// src/lib/helper.ts): RECEIVERS plain node:http servers on 127.0.0.1, one port each as so many
// integrators would have, each answering 204 as soon as a request's body has arrived. Nothing is
// verified (a receiver's own work is not the platform's); what is kept of each request: when it
// arrived, on the wall clock to the microsecond (performance.timeOrigin + performance.now(), which
// the bench reads the same way), the mission its body names, and its webhook-id, to count copies.
// Questions: urls, reset, count (distinct deliveries since the reset), report.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerQuestions } from './lib/answer.ts';

const count = Number(process.env.RECEIVERS ?? 100);
const wallNow = () => performance.timeOrigin + performance.now();
// The body is the feed's jsonb as text (`"missionId": "m_…"`): read without parsing the JSON.
const MISSION = /"missionId":\s*"([^"]+)"/;

let arrived = 0;
let byMission = new Map<string, number[]>();
let seen = new Set<string>();
let copies = 0;
let unsigned = 0;
let sample: { headers: Record<string, string>; body: string } | null = null;

function receive(port: number, headers: Record<string, string | string[] | undefined>, body: string): void {
  const at = wallNow();
  arrived++;
  const webhookId = String(headers['webhook-id'] ?? '');
  if (!headers['webhook-signature'] || !webhookId || !headers['webhook-timestamp']) unsigned++;
  const key = `${port} ${webhookId}`;
  if (seen.has(key)) copies++;
  else seen.add(key);
  const mission = MISSION.exec(body)?.[1] ?? '?';
  const list = byMission.get(mission);
  if (list) list.push(at);
  else byMission.set(mission, [at]);
  sample ??= { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])), body };
}

function listen(): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      receive((server.address() as AddressInfo).port, request.headers, Buffer.concat(chunks).toString('utf8'));
      response.writeHead(204).end();
    });
  });
  // The service's and the baseline's keep-alive connections stay open between runs.
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const servers = await Promise.all(Array.from({ length: count }, listen));
const urls = servers.map((s, i) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/hooks/${i + 1}`);

answerQuestions((question) => {
  switch (question.type) {
    case 'urls':
      return { urls };
    case 'reset':
      arrived = 0;
      byMission = new Map();
      seen = new Set();
      copies = 0;
      unsigned = 0;
      sample = null;
      return {};
    case 'count':
      return { unique: arrived - copies };
    case 'report':
      return { arrived, copies, unsigned, byMission: [...byMission], sample };
    default:
      throw new Error(`unknown question ${question.type}`);
  }
});
