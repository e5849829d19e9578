import type { KithEvent } from '@kith/sdk/contract';

/** A site's map from another consent manager's category IDs to Kith's categories, e.g. `{ "C0002": "analytics" }`. */
export type ConsentMapping = Record<string, string>;

type Consent = Record<string, unknown>;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The categories another consent manager granted, by its own IDs: Segment's consent wrappers send
 * `context.consent.categoryPreferences` ({ "Analytics": true }); RudderStack's SDK sends
 * `context.consentManagement.allowedConsentIds` (["C0001", "C0002"]).
 */
function foreignGrants(context: Record<string, unknown>): { granted: (id: string) => boolean } | null {
  const preferences = isObject(context.consent) ? context.consent.categoryPreferences : undefined;
  if (isObject(preferences)) return { granted: (id) => preferences[id] === true };
  const management = context.consentManagement;
  const allowed = isObject(management) ? management.allowedConsentIds : undefined;
  if (Array.isArray(allowed)) return { granted: (id) => allowed.includes(id) };
  return null;
}

/**
 * Kith's categories from the foreign ones, when the site maps them and the event carries no Kith
 * consent of its own. A Kith category is granted only when every foreign category mapped to it is,
 * so a second, refused one is never outvoted. The mapping in force is kept with the consent, as
 * part of the proof of what the event was accepted on.
 */
export function mapConsent(event: KithEvent, mapping: ConsentMapping | undefined): KithEvent {
  const context = event.context as Record<string, unknown> | undefined;
  if (!mapping || !context || event.type === 'consent') return event;
  const own = isObject(context.consent) ? (context.consent as Consent) : undefined;
  if (own && isObject(own.categories)) return event;
  const foreign = foreignGrants(context);
  if (!foreign) return event;
  const categories: Record<string, boolean> = {};
  for (const [id, category] of Object.entries(mapping)) categories[category] = (categories[category] ?? true) && foreign.granted(id);
  const consent = { ...own, categories, mapping: { ...mapping } };
  return { ...event, context: { ...event.context, consent } as unknown as KithEvent['context'] };
}
