# One customer-managed key encrypts the tables, queues, topics, log groups and Lambda
# environments of a stage. A key policy's Resource "*" means "this key" (AWS allows nothing else).

resource "aws_kms_key" "main" {
  description             = "${local.prefix}: data at rest of the orders platform"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.prefix}"
  target_key_id = aws_kms_key.main.key_id
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:a key policy's Resource "*" is this key only; access is scoped by principal and condition
  #checkov:skip=CKV_AWS_111:a key policy's Resource "*" is this key only; access is scoped by principal and condition
  #checkov:skip=CKV_AWS_356:a key policy's Resource "*" is this key only; AWS accepts nothing narrower there
  # The account administers the key; IAM policies (the roles in this module) grant its use.
  statement {
    sid       = "Account"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts this stage's log groups, and only those.
  statement {
    sid       = "Logs"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:*"]
    }
  }

  # SNS (delivering to encrypted queues), EventBridge (to encrypted topics and DLQs) and
  # CloudWatch alarms (to the encrypted alarm topic) of this account only.
  statement {
    sid       = "Services"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com", "events.amazonaws.com", "cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  # EventBridge encrypts the events on this stage's bus (kms_key_identifier), and only there. The
  # pipe and the functions that put events use the key through their roles' "Key" grants.
  statement {
    sid       = "EventBus"
    actions   = ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:event-bus/${local.prefix}-${local.bus.name}"]
    }
  }
}
