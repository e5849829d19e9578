import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { DeviceDecision } from '../identity/device.ts';

export const DEVICE_COOKIE = 'kith_did';
// 400 days: the longest lifetime browsers keep a cookie (Chromium caps Max-Age there).
const MAX_AGE = 400 * 24 * 60 * 60;

/** Sets, renews or deletes the HttpOnly device cookie on the response. */
export function applyDeviceCookie(c: Context, step: DeviceDecision): void {
  const secure = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
  if (step.deviceId) {
    setCookie(c, DEVICE_COOKIE, step.deviceId, { path: '/', httpOnly: true, sameSite: 'Lax', secure, maxAge: MAX_AGE });
  } else if (step.forget) {
    deleteCookie(c, DEVICE_COOKIE, { path: '/', secure });
  }
}

export const deviceCookie = (c: Context) => getCookie(c, DEVICE_COOKIE);
