/**
 * One webhook POST, made safe for a target the platform does not control: every address connected
 * to is checked (the name's resolution included, so a name that resolves to a private address
 * later is refused), no redirect is followed, the whole exchange is bounded in time, and at most
 * RESPONSE_BYTES of the answer are read.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { addressRefusal, type AllowedNetworks } from '../domain/target.ts';

/** What is read of a receiver's answer: enough to see it, never a way to fill our memory. */
export const RESPONSE_BYTES = 64 * 1024;

export interface PostResult {
  /** The HTTP status, or null when no answer came (refused, timed out, address not allowed…). */
  status: number | null;
  error: string | null;
  durationMs: number;
}

export class AddressRefused extends Error {
  override name = 'AddressRefused';
}

/** A DNS lookup that fails for any address the policy refuses. */
function guardedLookup(allowed: AllowedNetworks): LookupFunction {
  return ((hostname: string, options: LookupOptions, callback: (...args: any[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      for (const { address } of addresses) {
        const refusal = addressRefusal(address, allowed);
        if (refusal) return callback(new AddressRefused(`${hostname} resolves to ${refusal}`));
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new AddressRefused(`${hostname} has no address`));
      callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

export interface Poster {
  post(url: string, headers: Record<string, string>, body: string): Promise<PostResult>;
  close(): void;
}

export function createPoster({ allowed, timeoutMs, perOrigin }: { allowed: AllowedNetworks; timeoutMs: number; perOrigin: number }): Poster {
  const lookup = guardedLookup(allowed);
  // Keep-alive connections, at most `perOrigin` to one receiver: a burst of events reuses them.
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: perOrigin, lookup } as http.AgentOptions),
    'https:': new https.Agent({ keepAlive: true, maxSockets: perOrigin, lookup } as https.AgentOptions),
  };

  return {
    post(target, headers, body) {
      const started = performance.now();
      const done = (status: number | null, error: string | null): PostResult => ({ status, error, durationMs: Math.round(performance.now() - started) });
      return new Promise<PostResult>((resolve) => {
        let url: URL;
        try {
          url = new URL(target);
        } catch {
          return resolve(done(null, 'the subscription URL is not valid'));
        }
        const agent = agents[url.protocol as keyof typeof agents];
        if (!agent) return resolve(done(null, `${url.protocol} targets are not allowed`));
        // An IP literal is connected to without a lookup: judged here.
        const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
        if (ipaddr.isValid(host)) {
          const refusal = addressRefusal(host, allowed);
          if (refusal) return resolve(done(null, `address refused: ${refusal}`));
        }
        const signal = AbortSignal.timeout(timeoutMs);
        const request = (url.protocol === 'https:' ? https : http).request(
          url,
          {
            method: 'POST',
            agent,
            signal,
            headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body).toString() },
          },
          (response) => {
            let read = 0;
            response.on('data', (chunk: Buffer) => {
              read += chunk.length;
              // Enough: the status is what counts; the rest of the answer is not ours to keep.
              if (read > RESPONSE_BYTES) response.destroy();
            });
            const status = response.statusCode ?? null;
            const finish = () => resolve(done(status, status !== null && status >= 300 && status < 400 ? `redirect to ${response.headers.location ?? '?'} not followed` : null));
            response.on('end', finish);
            response.on('close', finish);
            response.on('error', finish);
          },
        );
        request.on('error', (error: NodeJS.ErrnoException) => {
          const reason =
            error instanceof AddressRefused || error.name === 'AddressRefused' ? `address refused: ${error.message}`
            : signal.aborted ? `no answer within ${timeoutMs} ms`
            : `${error.code ?? error.name}: ${error.message}`;
          resolve(done(null, reason.slice(0, 500)));
        });
        request.end(body);
      });
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
