"""Runs the essentials of IAM and STS through boto3 against a Deployport server and prints one JSON
report on stdout: {"checks": N, "failures": [...], "values": {...}}.

Usage: python3 boto3_essentials.py ENDPOINT ACCOUNT_ID
Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); the caller gives
a temporary HOME and no AWS config, so nothing of the developer's own AWS setup is read.
"""
import base64
import json
import sys
import traceback

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, WaiterError

ENDPOINT, ACCOUNT = sys.argv[1], sys.argv[2]
CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, region_name="us-east-1")

failures = []
values = {}
checks = 0


def check(name, ok, detail=None):
    global checks
    checks += 1
    if not ok:
        failures.append({"check": name, "detail": repr(detail)})


def equal(name, actual, expected):
    check(name, actual == expected, {"actual": actual, "expected": expected})


def error_of(call, *args, **kwargs):
    """The ClientError a call raises, as (code, HTTP status, message, type); None if it succeeds."""
    try:
        call(*args, **kwargs)
    except ClientError as e:
        err = e.response.get("Error", {})
        return (err.get("Code"), e.response["ResponseMetadata"].get("HTTPStatusCode"), err.get("Message"), err.get("Type"))
    return None


def session(key, secret, token=None):
    return boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token, region_name="us-east-1")


def main():
    s = boto3.session.Session(region_name="us-east-1")
    iam = s.client("iam", endpoint_url=ENDPOINT, config=CONFIG)
    sts = s.client("sts", endpoint_url=ENDPOINT, config=CONFIG)

    # --- STS identity
    me = sts.get_caller_identity()
    equal("caller account", me["Account"], ACCOUNT)
    equal("caller arn", me["Arn"], f"arn:aws:iam::{ACCOUNT}:user/admin")
    equal("caller HTTP status", me["ResponseMetadata"]["HTTPStatusCode"], 200)
    check("RequestId present", bool(me["ResponseMetadata"].get("RequestId")), me["ResponseMetadata"])

    # --- users, pagination, waiters
    waiter = iam.get_waiter("user_exists")
    for i in range(7):
        iam.create_user(UserName=f"pager-{i}", Path="/pager/", Tags=[{"Key": "n", "Value": str(i)}])
    waiter.wait(UserName="pager-6", WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    try:
        waiter.wait(UserName="no-such-user", WaiterConfig={"Delay": 1, "MaxAttempts": 2})
        check("user_exists waiter gives up on a missing user", False)
    except WaiterError as e:
        equal("user_exists waiter last error", e.last_response.get("Error", {}).get("Code"), "NoSuchEntity")

    pages = list(iam.get_paginator("list_users").paginate(PathPrefix="/pager/", PaginationConfig={"PageSize": 3}))
    equal("list_users pages", [len(p["Users"]) for p in pages], [3, 3, 1])
    equal("list_users truncation flags", [p["IsTruncated"] for p in pages], [True, True, False])
    equal("list_users names", [u["UserName"] for p in pages for u in p["Users"]], [f"pager-{i}" for i in range(7)])
    first = iam.list_users(PathPrefix="/pager/", MaxItems=2)
    check("list_users Marker when truncated", first["IsTruncated"] and isinstance(first.get("Marker"), str), first)
    rest = iam.list_users(PathPrefix="/pager/", Marker=first["Marker"], MaxItems=100)
    equal("list_users after Marker", [u["UserName"] for u in rest["Users"]], [f"pager-{i}" for i in range(2, 7)])
    check("no Marker on the last page", "Marker" not in rest and rest["IsTruncated"] is False, rest)
    build = iam.get_paginator("list_users").paginate(PathPrefix="/pager/", PaginationConfig={"MaxItems": 4, "PageSize": 3}).build_full_result()
    equal("build_full_result MaxItems", len(build["Users"]), 4)
    check("build_full_result NextToken", "NextToken" in build, build.keys())

    user = iam.get_user(UserName="pager-0")["User"]
    check("CreateDate is a datetime", hasattr(user["CreateDate"], "tzinfo") and user["CreateDate"].tzinfo is not None, user)
    equal("user tags", user.get("Tags"), [{"Key": "n", "Value": "0"}])
    iam.update_user(UserName="pager-0", NewUserName="renamed-0")
    equal("renamed user", iam.get_user(UserName="renamed-0")["User"]["UserName"], "renamed-0")
    iam.tag_user(UserName="renamed-0", Tags=[{"Key": "a", "Value": "b c"}])
    equal("list_user_tags", iam.list_user_tags(UserName="renamed-0")["Tags"], [{"Key": "a", "Value": "b c"}, {"Key": "n", "Value": "0"}])

    # --- errors: code, HTTP status, type
    equal("NoSuchEntity", error_of(iam.get_user, UserName="ghost")[:2], ("NoSuchEntity", 404))
    equal("NoSuchEntity type", error_of(iam.get_user, UserName="ghost")[3], "Sender")
    equal("EntityAlreadyExists", error_of(iam.create_user, UserName="pager-1")[:2], ("EntityAlreadyExists", 409))
    equal("ValidationError", error_of(iam.create_user, UserName="bad name!")[:2], ("ValidationError", 400))
    equal("NoSuchEntity typed exception", type(_raise(lambda: iam.get_role(RoleName="ghost"))).__name__, "NoSuchEntityException")

    # --- groups
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="renamed-0")
    group_pages = list(iam.get_paginator("get_group").paginate(GroupName="devs"))
    equal("get_group members", [u["UserName"] for p in group_pages for u in p["Users"]], ["renamed-0"])
    equal("get_group group", group_pages[0]["Group"]["GroupName"], "devs")

    # --- roles, trust policy and inline policy round trips
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(trust), Description="the app", MaxSessionDuration=7200)
    iam.get_waiter("role_exists").wait(RoleName="app", WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    role = iam.get_role(RoleName="app")["Role"]
    equal("AssumeRolePolicyDocument round trip", role["AssumeRolePolicyDocument"], trust)
    equal("MaxSessionDuration", role["MaxSessionDuration"], 7200)
    # The Deny never applies; its condition carries characters that URL and XML encoding must both keep.
    inline = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"},
                                                      {"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*",
                                                       "Condition": {"StringLike": {"aws:username": ["a b/&<>\"'%+ü"]}}}]}
    iam.put_role_policy(RoleName="app", PolicyName="list", PolicyDocument=json.dumps(inline))
    equal("get_role_policy round trip", iam.get_role_policy(RoleName="app", PolicyName="list")["PolicyDocument"], inline)
    equal("list_role_policies", iam.list_role_policies(RoleName="app")["PolicyNames"], ["list"])

    # --- managed policies and versions
    doc1 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}
    doc2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="readers", PolicyDocument=json.dumps(doc1), Description="read")["Policy"]["Arn"]
    equal("policy arn", arn, f"arn:aws:iam::{ACCOUNT}:policy/readers")
    iam.get_waiter("policy_exists").wait(PolicyArn=arn, WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    equal("get_policy_version document", iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"], doc1)
    equal("create_policy_version", iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc2), SetAsDefault=True)["PolicyVersion"]["VersionId"], "v2")
    versions = [p for page in iam.get_paginator("list_policy_versions").paginate(PolicyArn=arn) for p in page["Versions"]]
    equal("list_policy_versions", sorted((v["VersionId"], v["IsDefaultVersion"]) for v in versions), [("v1", False), ("v2", True)])
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    equal("default version", iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v1")
    equal("delete default version", error_of(iam.delete_policy_version, PolicyArn=arn, VersionId="v1")[:2], ("DeleteConflict", 409))
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")

    iam.attach_user_policy(UserName="renamed-0", PolicyArn=arn)
    iam.attach_group_policy(GroupName="devs", PolicyArn=arn)
    iam.attach_role_policy(RoleName="app", PolicyArn=arn)
    equal("list_attached_role_policies", iam.list_attached_role_policies(RoleName="app")["AttachedPolicies"], [{"PolicyName": "readers", "PolicyArn": arn}])
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    equal("list_entities_for_policy", ([u["UserName"] for u in entities["PolicyUsers"]], [g["GroupName"] for g in entities["PolicyGroups"]], [r["RoleName"] for r in entities["PolicyRoles"]]),
          (["renamed-0"], ["devs"], ["app"]))
    equal("delete attached policy", error_of(iam.delete_policy, PolicyArn=arn)[:2], ("DeleteConflict", 409))
    aws_policies = [p["PolicyName"] for page in iam.get_paginator("list_policies").paginate(Scope="AWS", PaginationConfig={"PageSize": 2}) for p in page["Policies"]]
    check("list_policies Scope=AWS", "ReadOnlyAccess" in aws_policies and "AdministratorAccess" in aws_policies, aws_policies)

    # --- account-wide reads
    details = iam.get_paginator("get_account_authorization_details").paginate(Filter=["Role"], PaginationConfig={"PageSize": 1}).build_full_result()
    app = [r for r in details["RoleDetailList"] if r["RoleName"] == "app"]
    equal("authorization details trust", app[0]["AssumeRolePolicyDocument"] if app else None, trust)
    equal("authorization details inline", app[0]["RolePolicyList"] if app else None, [{"PolicyName": "list", "PolicyDocument": inline}])
    summary = iam.get_account_summary()["SummaryMap"]
    check("account summary", summary.get("Users", 0) >= 8 and summary.get("Roles") == 1, summary)
    state = iam.generate_credential_report()["State"]
    check("generate_credential_report", state in ("STARTED", "INPROGRESS", "COMPLETE"), state)
    for _ in range(20):
        if iam.generate_credential_report()["State"] == "COMPLETE":
            break
    report = iam.get_credential_report()
    check("credential report is CSV bytes", isinstance(report["Content"], bytes) and report["Content"].startswith(b"user,arn,"), report["Content"][:40])
    sim = iam.get_paginator("simulate_principal_policy").paginate(PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/app", ActionNames=["iam:ListUsers", "iam:CreateUser"]).build_full_result()
    equal("simulate_principal_policy", [(r["EvalActionName"], r["EvalDecision"]) for r in sim["EvaluationResults"]], [("iam:ListUsers", "allowed"), ("iam:CreateUser", "implicitDeny")])
    custom = iam.simulate_custom_policy(PolicyInputList=[json.dumps(doc1)], ActionNames=["iam:GetUser", "iam:DeleteUser"])
    equal("simulate_custom_policy", [r["EvalDecision"] for r in custom["EvaluationResults"]], ["allowed", "implicitDeny"])

    # --- keys, login profile, MFA, instance profile, OIDC
    key = iam.create_access_key(UserName="renamed-0")["AccessKey"]
    check("access key", key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40, key)
    iam.update_access_key(UserName="renamed-0", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    equal("list_access_keys", [(k["AccessKeyId"], k["Status"]) for k in iam.list_access_keys(UserName="renamed-0")["AccessKeyMetadata"]], [(key["AccessKeyId"], "Inactive")])
    equal("get_access_key_last_used", iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["UserName"], "renamed-0")
    equal("create_login_profile", iam.create_login_profile(UserName="renamed-0", Password="Xy9!aaaaBBBB", PasswordResetRequired=True)["LoginProfile"]["PasswordResetRequired"], True)
    mfa = iam.create_virtual_mfa_device(VirtualMFADeviceName="phone")["VirtualMFADevice"]
    equal("virtual MFA serial", mfa["SerialNumber"], f"arn:aws:iam::{ACCOUNT}:mfa/phone")
    check("virtual MFA seed is base32 bytes", isinstance(mfa.get("Base32StringSeed"), bytes) and base64.b32decode(mfa["Base32StringSeed"]), mfa)
    check("virtual MFA QR code is a PNG", isinstance(mfa.get("QRCodePNG"), bytes) and mfa["QRCodePNG"].startswith(b"\x89PNG\r\n\x1a\n"), mfa.get("QRCodePNG", b"")[:8])
    iam.create_instance_profile(InstanceProfileName="app-profile")
    iam.get_waiter("instance_profile_exists").wait(InstanceProfileName="app-profile", WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app")
    equal("instance profile roles", [r["RoleName"] for r in iam.get_instance_profile(InstanceProfileName="app-profile")["InstanceProfile"]["Roles"]], ["app"])
    oidc = iam.create_open_id_connect_provider(Url="https://tokens.example.com", ClientIDList=["app"], ThumbprintList=["9" * 40])["OpenIDConnectProviderArn"]
    equal("OIDC provider arn", oidc, f"arn:aws:iam::{ACCOUNT}:oidc-provider/tokens.example.com")

    # --- deletes in order, with DeleteConflict where AWS has one
    equal("delete user with resources", error_of(iam.delete_user, UserName="renamed-0")[:2], ("DeleteConflict", 409))
    equal("delete group with users", error_of(iam.delete_group, GroupName="devs")[:2], ("DeleteConflict", 409))
    equal("delete role in a profile", error_of(iam.delete_role, RoleName="app")[:2], ("DeleteConflict", 409))

    # --- STS
    tok = sts.get_session_token(DurationSeconds=900)["Credentials"]
    check("session token", tok["AccessKeyId"].startswith("ASIA") and hasattr(tok["Expiration"], "tzinfo"), tok)
    equal("get_access_key_info", sts.get_access_key_info(AccessKeyId=key["AccessKeyId"])["Account"], ACCOUNT)
    assumed = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/app", RoleSessionName="boto", DurationSeconds=900)
    equal("assumed role arn", assumed["AssumedRoleUser"]["Arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/app/boto")
    c = assumed["Credentials"]
    as_role = session(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    role_sts = as_role.client("sts", endpoint_url=ENDPOINT, config=CONFIG)
    role_iam = as_role.client("iam", endpoint_url=ENDPOINT, config=CONFIG)
    equal("caller as role", role_sts.get_caller_identity()["Arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/app/boto")
    check("role may list users", len(role_iam.list_users()["Users"]) >= 8)
    denied = error_of(role_iam.create_user, UserName="not-allowed")
    equal("AccessDenied", denied[:2] if denied else None, ("AccessDenied", 403))
    encoded = denied[2].split("Encoded authorization failure message: ")[-1] if denied else ""
    decoded = json.loads(sts.decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])
    equal("decoded message action", decoded.get("context", {}).get("action"), "iam:CreateUser")
    equal("decode invalid message", error_of(sts.decode_authorization_message, EncodedMessage="bogus")[:2], ("InvalidAuthorizationMessageException", 400))
    equal("bad signature", error_of(session(me_key(), "wrong" * 8).client("sts", endpoint_url=ENDPOINT, config=CONFIG).get_caller_identity)[:2], ("SignatureDoesNotMatch", 403))
    equal("unknown key", error_of(session("AKIAIOSFODNN7EXAMPLE", "x" * 40).client("iam", endpoint_url=ENDPOINT, config=CONFIG).list_users)[:2], ("InvalidClientTokenId", 403))

    # --- clean up in order
    iam.remove_role_from_instance_profile(InstanceProfileName="app-profile", RoleName="app")
    iam.delete_instance_profile(InstanceProfileName="app-profile")
    iam.detach_role_policy(RoleName="app", PolicyArn=arn)
    iam.delete_role_policy(RoleName="app", PolicyName="list")
    iam.delete_role(RoleName="app")
    iam.detach_group_policy(GroupName="devs", PolicyArn=arn)
    iam.detach_user_policy(UserName="renamed-0", PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    iam.remove_user_from_group(GroupName="devs", UserName="renamed-0")
    iam.delete_group(GroupName="devs")
    iam.delete_login_profile(UserName="renamed-0")
    iam.delete_access_key(UserName="renamed-0", AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName="renamed-0")
    iam.delete_virtual_mfa_device(SerialNumber=mfa["SerialNumber"])
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=oidc)
    equal("deleted user", error_of(iam.get_user, UserName="renamed-0")[:2], ("NoSuchEntity", 404))
    values["users_left"] = sorted(u["UserName"] for p in iam.get_paginator("list_users").paginate() for u in p["Users"])


def me_key():
    import os
    return os.environ["AWS_ACCESS_KEY_ID"]


def _raise(call):
    try:
        call()
    except Exception as e:  # noqa: BLE001 - the exception's class is what is checked
        return e
    return None


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - an unexpected exception is a failure of the run, reported
        failures.append({"check": "unexpected exception", "detail": traceback.format_exc()})
    print(json.dumps({"checks": checks, "failures": failures, "values": values}))
