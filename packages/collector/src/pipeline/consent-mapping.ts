import type { KithEvent } from '@kith/sdk/contract';

/** A site's map from another consent manager's category IDs to Kith's categories, e.g. `{ "C0002": "analytics" }`. */
export type ConsentMapping = Record<string, string>;

type Consent = Record<string, unknown>;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What another consent manager said, by its own category IDs: Segment's consent wrappers send
 * `context.consent.categoryPreferences` ({ "Analytics": true }); RudderStack's SDK sends
 * `context.consentManagement` with `allowedConsentIds` and `deniedConsentIds` (["C0002"]).
 * `undefined` for an ID it said nothing about.
 */
function foreignChoice(context: Record<string, unknown>): ((id: string) => boolean | undefined) | null {
  const preferences = isObject(context.consent) ? context.consent.categoryPreferences : undefined;
  if (isObject(preferences)) return (id) => (Object.hasOwn(preferences, id) ? preferences[id] === true : undefined);
  const management = context.consentManagement;
  if (!isObject(management)) return null;
  const allowed = Array.isArray(management.allowedConsentIds) ? management.allowedConsentIds : [];
  const denied = Array.isArray(management.deniedConsentIds) ? management.deniedConsentIds : [];
  return (id) => (denied.includes(id) ? false : allowed.includes(id) ? true : undefined);
}

/**
 * Kith's categories from the foreign ones, when the site maps them and the event carries no Kith
 * consent of its own. A site may map several managers' IDs to one category (Segment's "Analytics"
 * and OneTrust's "C0002"): it is granted when at least one of them was granted and none that the
 * event names was refused. The mapping in force is kept with the consent, as part of the proof of
 * what the event was accepted on.
 */
export function mapConsent(event: KithEvent, mapping: ConsentMapping | undefined): KithEvent {
  const context = event.context as Record<string, unknown> | undefined;
  if (!mapping || !context || event.type === 'consent') return event;
  const own = isObject(context.consent) ? (context.consent as Consent) : undefined;
  if (own && isObject(own.categories)) return event;
  const choice = foreignChoice(context);
  if (!choice) return event;
  const granted = new Set<string>();
  const refused = new Set<string>();
  for (const [id, category] of Object.entries(mapping)) {
    const said = choice(id);
    if (said === true) granted.add(category);
    if (said === false) refused.add(category);
  }
  const categories = Object.fromEntries(
    Object.values(mapping).map((category) => [category, granted.has(category) && !refused.has(category)]),
  );
  const consent = { ...own, categories, mapping: { ...mapping } };
  return { ...event, context: { ...event.context, consent } as unknown as KithEvent['context'] };
}
