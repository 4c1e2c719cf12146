/**
 * Errors of the protocol edge: the request's shape, not its meaning. Codes and statuses follow the
 * IAM API reference "Common Errors" page
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html).
 */
import { defineError } from '../shared/service-error.js';

/** A parameter fails a model constraint; the message lists every violation, as AWS does. */
export const ValidationError = defineError('ValidationError', 400);
/** The request names no Action. */
export const MissingAction = defineError('MissingAction', 400);
/** The Action is not an operation of this service at the requested Version. */
export const InvalidAction = defineError('InvalidAction', 400);
/** A parameter the protocol itself needs is missing. */
export const MissingParameter = defineError('MissingParameter', 400);
/** A parameter's value cannot be read as its type (a non-integer MaxItems, a bad list index). */
export const InvalidParameterValue = defineError('InvalidParameterValue', 400);
/** Parameters that cannot be used together. */
export const InvalidParameterCombination = defineError('InvalidParameterCombination', 400);
/** The query string or form body is malformed: bad %-encoding, a repeated name, too many parameters. */
export const InvalidQueryParameter = defineError('InvalidQueryParameter', 400);
/** AWS's 404 for a query string with a syntax error; kept for the server's routes. */
export const MalformedQueryString = defineError('MalformedQueryString', 404);
/** The request body exceeds the server's cap. */
export const RequestEntityTooLarge = defineError('RequestEntityTooLarge', 413);
/** The request was denied due to request throttling. */
export const Throttling = defineError('Throttling', 400);
/** An operation of the model that this server does not implement (yet): AWS-shaped, never a 500. */
export const NotImplemented = defineError('NotImplemented', 501);
/** An unexpected failure on the server; its detail stays in the log. */
export const ServiceFailure = defineError('ServiceFailure', 500);
/** The server cannot serve the request now (the store is unreachable, the disk is full). */
export const ServiceUnavailable = defineError('ServiceUnavailable', 503);

/** The NotImplemented error for an operation of the model without a handler. */
export function notImplemented(operation: string): InstanceType<typeof NotImplemented> {
  return new NotImplemented(`The operation ${operation} is not implemented by this server.`);
}
