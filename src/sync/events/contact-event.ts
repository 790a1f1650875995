import { XMLParser } from 'fast-xml-parser';
import { isWecomUserid } from '../../users/wecom-userid';

/** The change types a contact-sync callback carries (wecom-api.md §4.3). */
export const CHANGE_TYPES = ['create_user', 'update_user', 'delete_user', 'create_party', 'update_party', 'delete_party', 'update_tag'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** A checked event: flat string fields (CDATA or bare), the ones the bridge reads validated. */
export type ContactEventPayload = Record<string, string> & { ChangeType: ChangeType };

/** Why a decrypted event was refused; the message names the field, never echoes the payload. */
export class InvalidContactEvent extends Error {}

/** Nested elements WeCom sends in full (pre-2022) payloads and the bridge never reads: dropped rather than refused. */
const IGNORED_NESTED = new Set(['ExtAttr']);
/** Tab, line feed and carriage return may occur in an address; any other control character (NUL) may not. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const DIGITS = /^\d{1,12}$/;
const MAX_FIELD_LENGTH = 4096;

// Entities stay unexpanded and DOCTYPEs are refused before parsing; the parser itself refuses
// prototype keys (__proto__, constructor) by throwing, which is caught below.
const parser = new XMLParser({ parseTagValue: false, processEntities: false, ignoreAttributes: true });

/** Parses the decrypted XML of one event and checks it; throws InvalidContactEvent with the reason. */
export function parseContactEvent(plain: string): ContactEventPayload {
  if (/<!DOCTYPE|<!ENTITY/i.test(plain)) throw new InvalidContactEvent('the message declares a DOCTYPE or an entity');
  if (CONTROL.test(plain)) throw new InvalidContactEvent('the message holds a control character');
  let parsed: unknown;
  try {
    parsed = parser.parse(plain);
  } catch (error) {
    throw new InvalidContactEvent(`the message is not well-formed XML (${(error as Error).message.slice(0, 120)})`);
  }
  return checkContactEvent((parsed as { xml?: unknown } | null)?.xml);
}

/**
 * Checks an event's fields: every one a single string, the userids ones WeCom can issue, the ids
 * numbers. Also run on stored events before they are applied (those of an older version included).
 */
export function checkContactEvent(event: unknown): ContactEventPayload {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new InvalidContactEvent('the message is not one <xml> element');
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(event)) {
    if (IGNORED_NESTED.has(name)) continue;
    if (typeof value !== 'string') throw new InvalidContactEvent(`<${name.slice(0, 40)}> is given more than once or holds elements`);
    if (value.length > MAX_FIELD_LENGTH || CONTROL.test(value))
      throw new InvalidContactEvent(`<${name.slice(0, 40)}> is too long or holds a control character`);
    fields[name] = value;
  }
  const type = fields.ChangeType;
  if (!CHANGE_TYPES.includes(type as ChangeType))
    throw new InvalidContactEvent(`ChangeType ${JSON.stringify((type ?? '').slice(0, 40))} is not one of ${CHANGE_TYPES.join(', ')}`);
  if (type.endsWith('_user') && !isWecomUserid(fields.UserID)) throw new InvalidContactEvent('UserID is missing or not a WeCom userid');
  if (fields.NewUserID !== undefined && !isWecomUserid(fields.NewUserID)) throw new InvalidContactEvent('NewUserID is not a WeCom userid');
  if (type.endsWith('_party') && !DIGITS.test(fields.Id ?? '')) throw new InvalidContactEvent('Id is missing or not a department id');
  return fields as ContactEventPayload;
}

/** A readable, storable excerpt of a refused message (PostgreSQL's jsonb refuses NUL). */
export function excerpt(plain: string): string {
  return plain.slice(0, 500).replace(/[\u0000-\u001f\u007f]/g, '\ufffd');
}
