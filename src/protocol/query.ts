/** Parsing of AWS Query parameters from a form-encoded body or a URL query string. */
import { InvalidQueryParameter } from './errors.js';

/** The most parameters one request may carry; IAM's largest requests use a few hundred. */
export const MAX_QUERY_PARAMETERS = 1000;

/**
 * Parses `application/x-www-form-urlencoded` text (`+` is a space, `%XX` UTF-8 escapes) into a map
 * of parameters. Rejects with InvalidQueryParameter (400): malformed %-encoding or UTF-8, a name
 * given twice (the value that was signed must be the value that is executed, so there is no
 * first-wins or last-wins), and more than MAX_QUERY_PARAMETERS parameters. Empty pairs (`a=1&&b=2`)
 * and pairs with an empty name are skipped.
 * @example parseQueryParams('Action=CreateUser&Version=2010-05-08&UserName=bob').get('UserName') // 'bob'
 */
export function parseQueryParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  if (text === '') return params;
  let count = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      if (++count > MAX_QUERY_PARAMETERS) {
        throw new InvalidQueryParameter(`The request has more than ${MAX_QUERY_PARAMETERS} parameters.`);
      }
      const eq = text.indexOf('=', start);
      const hasValue = eq !== -1 && eq < end;
      const name = decodeComponent(text.slice(start, hasValue ? eq : end));
      const value = hasValue ? decodeComponent(text.slice(eq + 1, end)) : '';
      if (name !== '') {
        if (params.has(name)) {
          throw new InvalidQueryParameter(`The parameter ${name} appears more than once in the request.`);
        }
        params.set(name, value);
      }
    }
    start = end + 1;
  }
  return params;
}

function decodeComponent(raw: string): string {
  const spaced = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!spaced.includes('%')) return spaced;
  try {
    // decodeURIComponent rejects truncated escapes and invalid UTF-8 (including encoded surrogates).
    return decodeURIComponent(spaced);
  } catch {
    throw new InvalidQueryParameter('The request contains malformed percent-encoding or invalid UTF-8.');
  }
}
