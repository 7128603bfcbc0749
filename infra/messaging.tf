# Queues, topics and their wiring: every queue is encrypted, a queue with
# `redrive` gets "<name>-dlq" (14 days), and only the topic (or bus rule) that feeds a queue may
# send to it (queue policy with ArnEquals aws:SourceArn).

locals {
  redrive_dlqs = {
    for key, queue in local.topology.queues : "${key}-dlq" => queue.redrive if can(queue.redrive)
  }

  # "<topic>/<subscription>" => { queue, raw_message_delivery, topic }
  subscriptions = merge(concat([{}], [
    for topic_key, topic in local.topology.topics : {
      for sub_key, sub in try(topic.subscriptions, {}) : "${topic_key}/${sub_key}" => merge(sub, { topic = topic_key })
    }
  ])...)

  # Who may send to which queue: the topics subscribed to it, and the bus rules whose targets
  # dead-letter into it (with the schedules' rules from Chalice's export and the bus itself).
  events_dlq = local.topology.event_bus.target_defaults.dead_letter_queue
  queue_senders = {
    for queue in distinct(concat([for sub in values(local.subscriptions) : sub.queue], [local.events_dlq])) : queue => {
      topics = distinct([for sub in values(local.subscriptions) : sub.topic if sub.queue == queue])
      rules  = queue == local.events_dlq ? keys(local.topology.rules) : []
    }
  }

  # Topics a bus rule publishes to: EventBridge needs the topic's permission.
  rule_topics = distinct(flatten([
    for rule in values(local.topology.rules) : [for target in values(rule.targets) : target.topic if can(target.topic)]
  ]))
}

resource "aws_sqs_queue" "dlq" {
  for_each = local.redrive_dlqs

  name                              = "${local.prefix}-${each.key}"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.main.arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "queue" {
  for_each = local.topology.queues

  name                              = "${local.prefix}-${each.key}"
  visibility_timeout_seconds        = try(each.value.visibility_timeout_seconds, 30)
  message_retention_seconds         = try(each.value.message_retention_seconds, 345600)
  kms_master_key_id                 = aws_kms_key.main.arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = can(each.value.redrive) ? jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq["${each.key}-dlq"].arn
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
  raw_message_delivery = try(each.value.raw_message_delivery, false)
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
    for_each = length(each.value.rules) > 0 ? [each.value.rules] : []
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
          [for rule in statement.value : aws_cloudwatch_event_rule.rule[rule].arn],
          values(local.chalice_schedule_rule_arns),
          [aws_cloudwatch_event_bus.bus.arn],
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
        if contains([for target in values(rule.targets) : try(target.topic, "")], each.key)
      ]
    }
  }
}

resource "aws_sns_topic_policy" "topic" {
  for_each = toset(local.rule_topics)

  arn    = aws_sns_topic.topic[each.key].arn
  policy = data.aws_iam_policy_document.topic[each.key].json
}
