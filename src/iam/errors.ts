/** The IAM domain's errors, with AWS's codes and HTTP statuses (IAM API Reference, "Common Errors" and each action's Errors). */
import { defineError } from '../shared/service-error.js';

export const NoSuchEntity = defineError('NoSuchEntity', 404);
export const EntityAlreadyExists = defineError('EntityAlreadyExists', 409);
export const LimitExceeded = defineError('LimitExceeded', 409);
export const DeleteConflict = defineError('DeleteConflict', 409);
export const MalformedPolicyDocument = defineError('MalformedPolicyDocument', 400);
export const InvalidInput = defineError('InvalidInput', 400);
export const ConcurrentModification = defineError('ConcurrentModification', 409);
export const UnmodifiableEntity = defineError('UnmodifiableEntity', 400);
export const PolicyNotAttachable = defineError('PolicyNotAttachable', 400);
export const PasswordPolicyViolation = defineError('PasswordPolicyViolation', 400);
export const EntityTemporarilyUnmodifiable = defineError('EntityTemporarilyUnmodifiable', 409);
export const ServiceFailure = defineError('ServiceFailure', 500);
export const ValidationError = defineError('ValidationError', 400);
/** A parameter whose value cannot be used (a Marker that no listing gave out): one of AWS's common errors. */
export const InvalidParameterValue = defineError('InvalidParameterValue', 400);
/** MFA codes that are not the device's current ones (IAM API, "EnableMFADevice"). */
export const InvalidAuthenticationCode = defineError('InvalidAuthenticationCode', 403);
/** An operation only IAM users may call, called by another kind of principal (IAM API, "ChangePassword"). */
export const InvalidUserType = defineError('InvalidUserType', 400);
/** Certificates and keys (IAM API, "UploadServerCertificate", "UploadSigningCertificate", "UploadSSHPublicKey"). */
export const MalformedCertificate = defineError('MalformedCertificate', 400);
export const KeyPairMismatch = defineError('KeyPairMismatch', 400);
export const InvalidCertificate = defineError('InvalidCertificate', 400);
export const DuplicateCertificate = defineError('DuplicateCertificate', 409);
export const InvalidPublicKey = defineError('InvalidPublicKey', 400);
export const UnrecognizedPublicKeyEncoding = defineError('UnrecognizedPublicKeyEncoding', 400);
export const DuplicateSSHPublicKey = defineError('DuplicateSSHPublicKey', 400);
/** The model's ServiceNotSupportedException goes by the code NotSupportedService on the wire. */
export const NotSupportedService = defineError('NotSupportedService', 404);
/** The caller's account is in no organization (IAM API, "EnableOrganizationsRootCredentialsManagement"); the code is the model's shape name. */
export const OrganizationNotFound = defineError('OrganizationNotFoundException', 400);
