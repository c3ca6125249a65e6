import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `Stateset-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, with
 * one v1 per secret that signs (two during the day after a rotation). Self-contained on purpose:
 * receivers copy it (clients/typescript ships the same verifySignature).
 */
export function signatureHeader(body: string, secrets: readonly string[], unixSeconds: number): string {
  // "<t>." and the body are fed in turn: a joined copy of every body was garbage at once.
  const prefix = `${unixSeconds}.`;
  const parts = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(prefix).update(body).digest('hex')}`);
  return [`t=${unixSeconds}`, ...parts].join(',');
}

/**
 * Whether `header` (a Stateset-Signature) signs `payload` (the raw body, exactly as received) with
 * `secret`, and its timestamp is within `toleranceSeconds` of now (replays of old requests fail).
 */
export function verifySignature(
  payload: string | Buffer,
  header: string | null | undefined,
  secret: string,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') timestamp = value;
    else if (key === 'v1') signatures.push(value);
  }
  if (!timestamp || !/^\d+$/.test(timestamp) || signatures.length === 0) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(payload).digest();
  return signatures.some((hex) => {
    if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
    return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
  });
}
