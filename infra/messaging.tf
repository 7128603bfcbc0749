# Queues, topics and their wiring: every queue is encrypted, a queue with `redrive` gets the
# dead-letter queue (name and retention) the topology's document gives it, and only the topic (or
# bus rule) that feeds a queue may send to it (queue policy with ArnEquals aws:SourceArn).

locals {
  redrive_dlqs = {
    for key, queue in local.topology.queues : queue.redrive.dead_letter_queue => queue.redrive if queue.redrive != null
  }

  # "<topic>/<subscription>" => { queue, raw_message_delivery, topic }
  subscriptions = merge(concat([{}], [
    for topic_key, topic in local.topology.topics : {
      for sub_key, sub in topic.subscriptions : "${topic_key}/${sub_key}" => merge(sub, { topic = topic_key })
    }
  ])...)

  # Who may send to which queue: the topics subscribed to it, and the bus rules whose targets
  # dead-letter into it; the default target DLQ also admits the schedules' rules from Chalice's
  # export and the bus itself.
  events_dlq  = local.topology.event_bus.target_defaults.dead_letter_queue
  target_dlqs = distinct(concat([local.events_dlq], [for target in values(local.rule_targets) : target.dead_letter_queue]))
  queue_senders = {
    for queue in distinct(concat([for sub in values(local.subscriptions) : sub.queue], local.target_dlqs)) : queue => {
      topics = distinct([for sub in values(local.subscriptions) : sub.topic if sub.queue == queue])
      rules  = distinct([for target in values(local.rule_targets) : target.rule if target.dead_letter_queue == queue])
      others = queue == local.events_dlq
    }
  }

  # Topics a bus rule publishes to: EventBridge needs the topic's permission.
  rule_topics = distinct(flatten([
    for rule in values(local.topology.rules) : [for target in values(rule.targets) : target.topic if target.topic != null]
  ]))
}

resource "aws_sqs_queue" "dlq" {
  for_each = local.redrive_dlqs

  name                              = "${local.prefix}-${each.key}"
  message_retention_seconds         = each.value.dead_letter_retention_seconds
  kms_master_key_id                 = aws_kms_key.main.arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "queue" {
  for_each = local.topology.queues

  name                              = "${local.prefix}-${each.key}"
  visibility_timeout_seconds        = each.value.visibility_timeout_seconds
  message_retention_seconds         = each.value.message_retention_seconds
  kms_master_key_id                 = aws_kms_key.main.arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = each.value.redrive != null ? jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.value.redrive.dead_letter_queue].arn
    maxReceiveCount     = each.value.redrive.max_receive_count
  }) : null
}

resource "aws_sns_topic" "topic" {
  for_each = local.topology.topics

  name              = "${local.prefix}-${each.key}"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_subscription" "queue" {
  for_each = local.subscriptions

  topic_arn            = aws_sns_topic.topic[each.value.topic].arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.queue[each.value.queue].arn
  raw_message_delivery = each.value.raw_message_delivery
}

data "aws_iam_policy_document" "queue" {
  for_each = local.queue_senders

  dynamic "statement" {
    for_each = each.value.topics
    content {
      sid       = "FromTopic${replace(title(replace(statement.value, "-", " ")), " ", "")}"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.queue[each.key].arn]
      principals {
        type        = "Service"
        identifiers = ["sns.amazonaws.com"]
      }
      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [aws_sns_topic.topic[statement.value].arn]
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.rules) > 0 || each.value.others ? [each.value] : []
    content {
      sid       = "FromBusRules"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.queue[each.key].arn]
      principals {
        type        = "Service"
        identifiers = ["events.amazonaws.com"]
      }
      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values = concat(
          [for rule in statement.value.rules : aws_cloudwatch_event_rule.rule[rule].arn],
          statement.value.others ? values(local.chalice_schedule_rule_arns) : [],
          statement.value.others ? [aws_cloudwatch_event_bus.bus.arn] : [],
        )
      }
    }
  }
}

resource "aws_sqs_queue_policy" "queue" {
  for_each = local.queue_senders

  queue_url = aws_sqs_queue.queue[each.key].id
  policy    = data.aws_iam_policy_document.queue[each.key].json
}

data "aws_iam_policy_document" "topic" {
  for_each = toset(local.rule_topics)

  statement {
    sid       = "FromBusRules"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.topic[each.key].arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values = [
        for key, rule in local.topology.rules : aws_cloudwatch_event_rule.rule[key].arn
        if contains([for target in values(rule.targets) : target.topic if target.topic != null], each.key)
      ]
    }
  }
}

resource "aws_sns_topic_policy" "topic" {
  for_each = toset(local.rule_topics)

  arn    = aws_sns_topic.topic[each.key].arn
  policy = data.aws_iam_policy_document.topic[each.key].json
}
