"""The checkov checks each corrected Lambda function skips, each with its reason (one comment line each)."""

from __future__ import annotations

from infra.build.corrections import Learned

# Skipped on every function.
ALWAYS = {
    "CKV_AWS_117": "no VPC: the functions reach only AWS APIs through IAM, and there is no private resource to reach",
    "CKV_AWS_272": "code signing needs an AWS Signer profile and a signed artifact; chalice package builds an unsigned zip",
}
RESERVED = "CKV_AWS_115: reserved concurrency only where the payments flow needs a guaranteed share (payments); reserving everywhere drains the account's unreserved pool"
SYNC_ONLY = (
    "CKV_AWS_116: invoked synchronously ({how}); a function DLQ only ever receives failed asynchronous invocations"
)


def function_skips(learned: Learned) -> dict[str, list[str]]:
    """Chalice name -> the skip comments its aws_lambda_function carries."""
    skips = {}
    for fn in learned.function_names:
        comments = [f"checkov:skip={check}:{reason}" for check, reason in ALWAYS.items()]
        if fn not in learned.reserved:
            comments.append(f"checkov:skip={RESERVED}")
        if fn not in learned.async_invoked:
            how = ", ".join(sorted(set(learned.sync_sources.get(fn, ())))) or "only by direct Invoke"
            comments.append(f"checkov:skip={SYNC_ONLY.format(how=how)}")
        skips[fn] = comments
    return skips
