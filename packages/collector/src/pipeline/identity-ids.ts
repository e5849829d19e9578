import type { KithEvent } from '@kith/sdk/contract';
import type { Rejection } from './reasons.ts';

// Values that shop code sends when it has no real user ID (an unset variable, a template default):
// taken as IDs they would merge every such visitor into one person.
const PLACEHOLDERS = new Set([
  '',
  'null',
  'undefined',
  'nil',
  'none',
  'nan',
  '0',
  '-1',
  'anonymous',
  'anon',
  'guest',
  'unknown',
  'user',
  'userid',
  'user_id',
  'id',
  'email',
  'test',
  'true',
  'false',
  '[object object]',
  'not_set',
  'not set',
  'n/a',
  'na',
  '{}',
  '[]',
]);

/** True for an ID that names nobody in particular (compared trimmed and case-insensitively). */
export const isPlaceholderId = (id: string) => PLACEHOLDERS.has(id.trim().toLowerCase());

/** userId and previousId (alias) must name a person: placeholders are refused, not merged. */
export function checkUserIds(event: KithEvent): Rejection | null {
  if (event.userId !== undefined && isPlaceholderId(event.userId)) return { reason: 'placeholder_user_id' };
  if (event.type === 'alias' && event.previousId !== undefined && isPlaceholderId(event.previousId))
    return { reason: 'placeholder_user_id' };
  return null;
}
