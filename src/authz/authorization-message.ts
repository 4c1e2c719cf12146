/**
 * The explanation of a denial, encoded so that only this service can read it back: AccessDenied
 * messages carry it ("Encoded authorization failure message: …"), and DecodeAuthorizationMessage
 * turns it into AWS's JSON form for callers allowed sts:DecodeAuthorizationMessage.
 */
import type { ContextValue, Decision } from '../policy/index.js';
import type { Sealer } from '../shared/seal.js';

/** What a decoded message says, in the shape AWS's DecodedMessage documents. */
export interface AuthorizationExplanation {
  readonly allowed: boolean;
  readonly explicitDeny: boolean;
  readonly matchedStatements: { items: { statementId: string; effect: string; policyType: string; policyId: string; index: number }[] };
  readonly failures: { items: string[] };
  readonly context: {
    readonly principal: { readonly id: string; readonly arn: string };
    readonly action: string;
    readonly resource: string;
    readonly conditions: { items: { key: string; values: { items: { value: string }[] } }[] };
  };
}

/** Encodes the explanation of a decision, sealed under the master key. */
export function encodeAuthorizationMessage(
  sealer: Sealer,
  request: { principalId: string; principalArn: string; action: string; resource: string; context: Record<string, ContextValue> },
  decision: Decision,
): string {
  const explanation: AuthorizationExplanation = {
    allowed: decision.decision === 'Allow',
    explicitDeny: decision.decision === 'ExplicitDeny',
    matchedStatements: {
      items: decision.matched.map((ref) => ({ statementId: ref.sid ?? '', effect: ref.effect.toUpperCase(), policyType: ref.policyType, policyId: ref.policyId, index: ref.index })),
    },
    failures: { items: (decision.missing ?? []).map((type) => `no ${type} policy allows the action`) },
    context: {
      principal: { id: request.principalId, arn: request.principalArn },
      action: request.action,
      resource: request.resource,
      conditions: {
        items: Object.entries(request.context).map(([key, value]) => ({ key, values: { items: (Array.isArray(value) ? value : [String(value)]).map((v) => ({ value: String(v) })) } })),
      },
    },
  };
  return sealer.seal(JSON.stringify(explanation));
}

/** Reads an encoded message back as AWS's JSON text, or undefined when it is not one of ours. */
export function decodeAuthorizationMessage(sealer: Sealer, encoded: string): string | undefined {
  try {
    return sealer.open(encoded);
  } catch {
    return undefined;
  }
}
