# CloudWatch alarms declared under `monitoring` in topology.yaml: one alarm
# per watched resource and declared metric, all notifying the alarm topic. The resource sets are
# computed here, so a new DLQ, function or state machine gets its alarms without new HCL.

locals {
  monitoring = local.topology.monitoring

  # watch => { resource key => CloudWatch dimensions }
  watched = {
    dead_letter_queues = merge(
      { for key, queue in local.topology.queues : key => { QueueName = "${local.prefix}-${key}" } if queue.dead_letter },
      { for key in keys(local.redrive_dlqs) : key => { QueueName = "${local.prefix}-${key}" } },
    )
    functions      = { for fn, name in local.chalice_function_names : fn => { FunctionName = name } }
    state_machines = { for key, machine in aws_sfn_state_machine.machine : key => { StateMachineArn = machine.arn } }
    pipes          = { (local.pipe.name) = { PipeName = "${local.prefix}-${local.pipe.name}" } }
  }

  # "<alarm>/<resource>" => what the alarm resource needs.
  alarms = merge(concat([{}], [
    for kind, alarm in local.monitoring.alarms : {
      for resource, dimensions in local.watched[alarm.watch] : "${kind}/${resource}" => {
        name       = "${local.prefix}-${kind}-${resource}"
        namespace  = alarm.namespace
        metric     = alarm.metric
        statistic  = alarm.statistic
        threshold  = alarm.threshold
        dimensions = tomap(dimensions)
        summary    = "${alarm.metric} > ${alarm.threshold} on ${resource} (${alarm.namespace})"
      }
    }
  ])...)
}

resource "aws_sns_topic" "alarms" {
  name              = "${local.prefix}-alarms"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

data "aws_iam_policy_document" "alarms" {
  # Only this stage's alarms publish here.
  statement {
    sid       = "FromAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:cloudwatch:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:alarm:${local.prefix}-*"]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms.json
}

resource "aws_cloudwatch_metric_alarm" "alarm" {
  for_each = local.alarms

  alarm_name          = each.value.name
  alarm_description   = each.value.summary
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = local.monitoring.period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  # No data means nothing failed (Lambda, Step Functions and Pipes report failures only when some happen).
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]
}
