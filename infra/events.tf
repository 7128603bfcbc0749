# The custom bus: archive, rules with their patterns, targets with their retry policy
# and DLQ (event_bus.target_defaults unless the target sets its own, resolved in topology.json),
# and Lambda permissions scoped to each rule.

locals {
  bus             = local.topology.event_bus
  target_defaults = local.topology.event_bus.target_defaults

  # "<rule>/<target>" => the target as declared, plus its rule.
  rule_targets = merge(concat([{}], [
    for rule_key, rule in local.topology.rules : {
      for target_key, target in rule.targets : "${rule_key}/${target_key}" => merge(target, { rule = rule_key, id = target_key })
    }
  ])...)
}

resource "aws_cloudwatch_event_bus" "bus" {
  name = "${local.prefix}-${local.bus.name}"
  # Events at rest on the bus are encrypted with our key; events EventBridge cannot
  # encrypt or decrypt go to the targets' DLQ instead of being dropped.
  kms_key_identifier = aws_kms_key.main.arn

  dead_letter_config {
    arn = aws_sqs_queue.queue[local.target_defaults.dead_letter_queue].arn
  }
}

# The AWS provider 5.x has no kms_key_identifier on archives: the archive uses an AWS owned key.
resource "aws_cloudwatch_event_archive" "bus" {
  name             = "${local.prefix}-${local.bus.name}"
  event_source_arn = aws_cloudwatch_event_bus.bus.arn
  retention_days   = local.bus.archive.retention_days
}

resource "aws_cloudwatch_event_rule" "rule" {
  for_each = local.topology.rules

  name           = "${local.prefix}-${each.key}"
  description    = each.value.description
  event_bus_name = aws_cloudwatch_event_bus.bus.name
  event_pattern  = jsonencode(each.value.event_pattern)
}

resource "aws_cloudwatch_event_target" "target" {
  for_each = local.rule_targets

  rule           = aws_cloudwatch_event_rule.rule[each.value.rule].name
  event_bus_name = aws_cloudwatch_event_bus.bus.name
  target_id      = each.value.id
  arn            = local.target_arns[each.value.topic != null ? "topic:${each.value.topic}" : "function:${each.value.function}"]

  retry_policy {
    maximum_event_age_in_seconds = each.value.retry_policy.maximum_event_age_seconds
    maximum_retry_attempts       = each.value.retry_policy.maximum_retry_attempts
  }

  dead_letter_config {
    arn = aws_sqs_queue.queue[each.value.dead_letter_queue].arn
  }

  dynamic "input_transformer" {
    for_each = each.value.input_transformer != null ? [each.value.input_transformer] : []
    content {
      input_paths    = input_transformer.value.input_paths
      input_template = input_transformer.value.input_template
    }
  }
}

resource "aws_lambda_permission" "rule_target" {
  for_each = { for key, target in local.rule_targets : key => target if target.function != null }

  statement_id  = "bus-rule-${each.value.rule}-${each.value.id}"
  action        = "lambda:InvokeFunction"
  function_name = local.chalice_functions[each.value.function].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.rule[each.value.rule].arn
}
