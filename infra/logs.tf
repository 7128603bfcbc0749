# Log groups for every function, the pipe and the state machines: created before anything
# logs, kept log_retention_days (30 by default), encrypted with our key.

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_338:logs are kept var.log_retention_days (30 days); a year of logs is not asked for
  # Names, not the functions themselves: each function names its log group (logging_config).
  for_each = local.chalice_function_names

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_cloudwatch_log_group" "pipe" {
  #checkov:skip=CKV_AWS_338:logs are kept var.log_retention_days (30 days); a year of logs is not asked for
  name              = "/aws/vendedlogs/pipes/${local.prefix}-${local.pipe.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_cloudwatch_log_group" "state_machine" {
  #checkov:skip=CKV_AWS_338:logs are kept var.log_retention_days (30 days); a year of logs is not asked for
  for_each = local.state_machines

  name              = "/aws/vendedlogs/states/${local.prefix}-${each.key}"
  retention_in_days = coalesce(each.value.logging.retention_days, var.log_retention_days)
  kms_key_id        = aws_kms_key.main.arn
}
