/** Finding the operation a Query request calls, from its `Action` and `Version` parameters. */
import { decodeInput } from './decode.js';
import { InvalidAction, MissingAction } from './errors.js';
import type { Operation, ServiceModel } from './model.js';

/**
 * The operation named by `Action`, checked against `Version`. Missing Action → MissingAction; an
 * Action the service lacks, or a Version other than the model's apiVersion → InvalidAction, in
 * AWS's words: "Could not find operation X for version V". AWS Query services answer a request
 * without Version the same way, with V = NO_VERSION_SPECIFIED, so a missing Version is an
 * InvalidAction too (the SDKs and the CLI always send it).
 * @example resolveOperation(serviceModel('iam'), params).name // 'CreateUser'
 */
export function resolveOperation(service: ServiceModel, params: ReadonlyMap<string, string>): Operation {
  const action = params.get('Action');
  if (action === undefined || action === '') throw new MissingAction('Missing Action');
  const version = params.get('Version');
  const operation = service.operations.get(action);
  if (!operation || version !== service.metadata.apiVersion) {
    throw new InvalidAction(`Could not find operation ${action} for version ${version || 'NO_VERSION_SPECIFIED'}`);
  }
  return operation;
}

/**
 * Resolves the operation and decodes its validated input in one step.
 * @example const { operation, input } = decodeRequest(serviceModel('iam'), parseQueryParams(body));
 */
export function decodeRequest(
  service: ServiceModel,
  params: ReadonlyMap<string, string>,
): { operation: Operation; input: Record<string, unknown> } {
  const operation = resolveOperation(service, params);
  return { operation, input: decodeInput(service, operation, params) };
}
