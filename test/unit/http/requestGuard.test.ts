import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkRequestHead, type RequestPolicy } from '../../../shared/http/requestGuard';

const INGEST: RequestPolicy = { maxBodyBytes: 1000, allowedOrigins: [] };
const HISTORY: RequestPolicy = { maxBodyBytes: 0, allowedOrigins: ['https://console.example.com'], ownOrigins: ['https://history.example.run.app'] };
const HOST = { host: 'history.example.run.app' };

const cases: Array<{ name: string; method: string; headers: IncomingHttpHeaders; policy: RequestPolicy; expected: string | undefined }> = [
  { name: 'admits a push of declared length within the bound', method: 'POST', headers: { 'content-length': '1000' }, policy: INGEST, expected: undefined },
  { name: 'refuses a push one byte over the bound', method: 'POST', headers: { 'content-length': '1001' }, policy: INGEST, expected: 'body_too_large' },
  { name: 'refuses a body sent without a length', method: 'POST', headers: { 'transfer-encoding': 'chunked' }, policy: INGEST, expected: 'length_required' },
  { name: 'refuses gzip even without a body', method: 'GET', headers: { 'content-encoding': 'gzip' }, policy: HISTORY, expected: 'content_encoding' },
  { name: 'refuses deflate on a push', method: 'POST', headers: { 'content-encoding': 'deflate', 'content-length': '10' }, policy: INGEST, expected: 'content_encoding' },
  { name: 'admits Content-Encoding: identity', method: 'POST', headers: { 'content-encoding': ' Identity ', 'content-length': '10' }, policy: INGEST, expected: undefined },
  ...['GET', 'HEAD', 'DELETE', 'OPTIONS'].map((method) => ({
    name: `refuses a body on ${method}`,
    method,
    headers: { 'content-length': '2' },
    policy: INGEST,
    expected: 'body_not_allowed',
  })),
  { name: 'admits a DELETE that declares an empty body', method: 'DELETE', headers: { 'content-length': '0' }, policy: HISTORY, expected: undefined },
  { name: 'refuses any body where the function reads none', method: 'POST', headers: { 'content-length': '1' }, policy: HISTORY, expected: 'body_too_large' },
  { name: 'admits a DELETE without Origin (not a browser)', method: 'DELETE', headers: { ...HOST }, policy: HISTORY, expected: undefined },
  { name: "admits a DELETE from the function's own page", method: 'DELETE', headers: { ...HOST, origin: 'https://history.example.run.app' }, policy: HISTORY, expected: undefined },
  { name: 'admits a DELETE from a trusted origin', method: 'DELETE', headers: { ...HOST, origin: 'https://console.example.com', 'sec-fetch-site': 'cross-site' }, policy: HISTORY, expected: undefined },
  { name: 'refuses a DELETE from another site', method: 'DELETE', headers: { ...HOST, origin: 'https://evil.example' }, policy: HISTORY, expected: 'cross_site' },
  { name: 'refuses a DELETE whose browser says cross-site', method: 'DELETE', headers: { ...HOST, origin: 'https://history.example.run.app', 'sec-fetch-site': 'cross-site' }, policy: HISTORY, expected: 'cross_site' },
  { name: "refuses a DELETE from a DNS-rebound page (the browser's same-origin is not ours)", method: 'DELETE', headers: { ...HOST, origin: 'http://rebound.example:8080', 'sec-fetch-site': 'same-origin' }, policy: HISTORY, expected: 'cross_site' },
  { name: "refuses Origin 'null'", method: 'DELETE', headers: { ...HOST, origin: 'null' }, policy: HISTORY, expected: 'cross_site' },
  { name: 'refuses an Origin that names the Host the request names, when that is not ours (a DNS-rebound name)', method: 'DELETE', headers: { host: 'rebound.example:8080', origin: 'http://rebound.example:8080' }, policy: HISTORY, expected: 'cross_site' },
  { name: "admits a DELETE from the viewer through gcloud's proxy on localhost, whatever the Host", method: 'DELETE', headers: { ...HOST, origin: 'http://localhost:8080', 'sec-fetch-site': 'same-origin' }, policy: HISTORY, expected: undefined },
  { name: 'admits a DELETE from a page on 127.0.0.1 (npm start)', method: 'DELETE', headers: { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' }, policy: HISTORY, expected: undefined },
  { name: 'refuses a loopback page the browser calls cross-site', method: 'DELETE', headers: { ...HOST, origin: 'http://localhost:3000', 'sec-fetch-site': 'cross-site' }, policy: HISTORY, expected: 'cross_site' },
  { name: 'refuses a cross-site POST to a push endpoint', method: 'POST', headers: { ...HOST, origin: 'https://evil.example', 'content-length': '2' }, policy: INGEST, expected: 'cross_site' },
  { name: 'lets a cross-site GET through to CORS (it changes nothing)', method: 'GET', headers: { ...HOST, origin: 'https://evil.example' }, policy: HISTORY, expected: undefined },
];

describe('checkRequestHead', () => {
  cases.forEach(({ name, method, headers, policy, expected }) => {
    it(name, () => {
      expect(checkRequestHead({ method, headers }, policy)?.reason).toBe(expected);
    });
  });
});
