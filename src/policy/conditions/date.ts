/**
 * Date condition operators. Values are W3C ISO 8601 dates and times or epoch seconds, compared as
 * instants to the millisecond; an unreadable value, on either side, matches nothing.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
 */
import type { OperatorFamily } from './operator.js';

// All digits is epoch seconds (AWS accepts epoch time), so a bare year such as "2026" is too.
const EPOCH = /^(-?)(\d+)(?:\.(\d+))?$/;
// The W3C profile of ISO 8601: YYYY-MM, YYYY-MM-DD, then optionally Thh:mm[:ss[.s…]] and a zone.
// A time without a zone is read as UTC, the zone AWS evaluates in.
const ISO =
  /^(\d{4})-(\d{2})(?:-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?$/;

const DAY_MS = 86_400_000;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil); Date.UTC is
// avoided because it reads years 0–99 as 1900–1999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

// Milliseconds from a fraction's digits, truncated: ".5" → 500, ".1239" → 123.
function fractionMs(digits: string | undefined): number {
  return digits === undefined ? 0 : Number((digits + '00').slice(0, 3));
}

function parseOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const hours = Number(zone.slice(1, 3));
  const rest = zone.slice(3).replace(':', '');
  const minutes = rest === '' ? 0 : Number(rest);
  if (hours > 23 || minutes > 59) return undefined;
  const total = hours * 60 + minutes;
  return zone[0] === '-' ? -total : total;
}

/** Reads a date as epoch milliseconds, or undefined when it is not one. */
function parseDate(text: string): number | undefined {
  const epoch = EPOCH.exec(text);
  if (epoch) {
    const ms = Number(epoch[2]) * 1000 + fractionMs(epoch[3]);
    // Beyond 2^53 ms (about 285,000 years) distinct values would compare equal.
    if (!Number.isSafeInteger(ms)) return undefined;
    return epoch[1] === '-' ? -ms : ms;
  }
  const m = ISO.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offset = parseOffsetMinutes(m[8]);
  if (offset === undefined) return undefined;
  return (
    daysFromCivil(year, month, day) * DAY_MS +
    ((hour * 60 + minute - offset) * 60 + second) * 1000 +
    fractionMs(m[7])
  );
}

function dateFamily(compare: (context: number, policy: number) => boolean): OperatorFamily<number> {
  return {
    parse: parseDate,
    test: (contextValue, policyValue) => {
      const t = parseDate(contextValue);
      return t === undefined ? undefined : compare(t, policyValue);
    },
    variables: false,
  };
}

/** DateEquals (and, negated, DateNotEquals): the same instant. */
export const dateEquals = dateFamily((c, p) => c === p);
/** DateLessThan: the context date is before the policy date. */
export const dateLessThan = dateFamily((c, p) => c < p);
/** DateLessThanEquals: the context date is at or before the policy date. */
export const dateLessThanEquals = dateFamily((c, p) => c <= p);
/** DateGreaterThan: the context date is after the policy date. */
export const dateGreaterThan = dateFamily((c, p) => c > p);
/** DateGreaterThanEquals: the context date is at or after the policy date. */
export const dateGreaterThanEquals = dateFamily((c, p) => c >= p);
