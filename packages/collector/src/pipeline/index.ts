import type { ConsentProperties, RejectedItem } from '@kith/sdk/contract';
import type { StoredEvent, WriteSet } from '../storage/storage.ts';
import { withoutUnsetFields } from './absent.ts';
import { checkBannerText, checkConsent } from './consent.ts';
import { mapConsent, type ConsentMapping } from './consent-mapping.ts';
import { createEnricher, type Arrival } from './enrich.ts';
import { checkUserIds } from './identity-ids.ts';
import type { DeviceDecision } from '../identity/device.ts';
import { learnIdentity } from '../identity/learn.ts';
import { normalize } from './normalize.ts';
import { REJECT_REASONS, isRejection, type RejectReason } from './reasons.ts';
import { quarantined } from './quarantine.ts';
import { resolveIdentity, type IdentityContext } from './resolve-identity.ts';
import { MAX_EVENT_BYTES, validate } from './validate.ts';

export interface PipelineInput extends Arrival {
  items: unknown[];
  /** Size of the whole body: when it fits in one event's limit, no event needs measuring. */
  bodyBytes: number;
  /** False when the body's text cannot hold an unpaired surrogate, so no string needs checking. */
  checkText: boolean;
  newId: () => string;
  /** The request came from a browser (http/browser-request.ts): its events must carry a consent. */
  fromBrowser: boolean;
  /** The site's map from another consent manager's categories to Kith's. */
  consentMapping?: ConsentMapping;
  identity: IdentityContext;
}

export interface PipelineOutput {
  set: WriteSet;
  rejected: RejectedItem[];
  /** The device behind a browser request, for its cookie and the restored anonymous ID. */
  device: DeviceDecision;
}

const utf8 = new TextEncoder();

/**
 * validate -> normalize -> check IDs and consent -> enrich, per event (bad events are quarantined, never
 * dropped), then resolve identity for the request's accepted events.
 */
export async function runPipeline(input: PipelineInput): Promise<PipelineOutput> {
  const set: WriteSet = { events: [], consents: [], rejected: [] };
  const rejected: RejectedItem[] = [];
  const accepted: StoredEvent[] = [];
  const receivedAt = input.receivedAt.toISOString();
  const enrich = createEnricher(input);

  let refusedWithoutConsent = 0;
  const quarantine = (index: number, item: unknown, reason: RejectReason) => {
    const message = REJECT_REASONS[reason];
    rejected.push({ index, reason, message });
    // Without consent nothing of the event may be kept: only that so many were refused.
    if (reason === 'no_consent') refusedWithoutConsent++;
    else set.rejected.push(quarantined({ site: input.site, receivedAt, reason, message }, item));
  };

  for (const [index, item] of input.items.entries()) {
    const measure = () => (input.bodyBytes <= MAX_EVENT_BYTES ? 0 : utf8.encode(JSON.stringify(item)).byteLength);
    const valid = validate(withoutUnsetFields(item), measure, input.checkText);
    if (isRejection(valid)) {
      quarantine(index, item, valid.reason);
      continue;
    }
    const event = mapConsent(normalize(valid, input.newId), input.consentMapping);
    const refused =
      checkUserIds(event) ??
      checkConsent(event, input.fromBrowser) ??
      (event.type === 'consent' ? await checkBannerText(event) : null);
    if (refused) {
      quarantine(index, item, refused.reason);
      continue;
    }
    const stored = enrich(event);
    accepted.push(stored);
    if (stored.type === 'consent') set.consents.push(consentRecord(stored));
    else set.events.push(stored);
  }
  if (refusedWithoutConsent > 0) {
    set.rejected.push({
      site: input.site,
      receivedAt,
      reason: 'no_consent',
      message: REJECT_REASONS.no_consent,
      payload: JSON.stringify({ count: refusedWithoutConsent }),
    });
  }
  const { links, traits, browser } = learnIdentity(accepted);
  if (links.length > 0) set.links = links;
  if (traits.length > 0) set.traits = traits;
  const device = await resolveIdentity(set, browser, input.site, input.receivedAt, input.identity);
  return { set, rejected, device };
}

function consentRecord(event: StoredEvent) {
  const record = {
    site: event.site,
    messageId: event.messageId,
    timestamp: event.timestamp,
    receivedAt: event.receivedAt,
    consent: event.properties as unknown as ConsentProperties,
  } as WriteSet['consents'][number];
  if (event.anonymousId !== undefined) record.anonymousId = event.anonymousId;
  if (event.userId !== undefined) record.userId = event.userId;
  return record;
}
