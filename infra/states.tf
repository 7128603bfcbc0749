# Step Functions state machines (the payments workflow), from `state_machines` in topology.yaml. The ASL file
# is a templatefile() template: ${<function>} is that Chalice function's ARN, ${<placeholder>}
# under `tables` a table name and under `queues` a queue URL (the local runtime fills the same
# placeholders). A machine whose ASL file is not in the module yet is not created.

locals {
  state_machines = {
    for key, machine in try(local.topology.state_machines, {}) : key => machine
    if fileexists("${path.module}/${machine.definition}")
  }

  # "table:<key>", "queue:<key>", ... => ARN, for the declared `permissions` of a machine.
  resource_arns = merge(
    { for key, table in aws_dynamodb_table.table : "table:${key}" => table.arn },
    { for key, topic in aws_sns_topic.topic : "topic:${key}" => topic.arn },
    { for key, queue in aws_sqs_queue.queue : "queue:${key}" => queue.arn },
    { "bus:${local.bus.name}" = aws_cloudwatch_event_bus.bus.arn },
  )
}

resource "aws_sfn_state_machine" "machine" {
  #checkov:skip=CKV_AWS_284:tracing comes from topology.yaml, which checkov cannot read; tests/infra assert it is on
  #checkov:skip=CKV_AWS_285:logging level comes from topology.yaml, which checkov cannot read; tests/infra assert it is not OFF
  for_each = local.state_machines

  name     = "${local.prefix}-${each.key}"
  type     = each.value.type
  role_arn = aws_iam_role.state_machine[each.key].arn
  definition = templatefile("${path.module}/${each.value.definition}", merge(
    { for name in each.value.functions : name => local.chalice_functions[name].arn },
    { for placeholder, table in try(each.value.tables, {}) : placeholder => aws_dynamodb_table.table[table].name },
    { for placeholder, queue in try(each.value.queues, {}) : placeholder => aws_sqs_queue.queue[queue].id },
  ))

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine[each.key].arn}:*"
    include_execution_data = try(each.value.logging.include_execution_data, false)
    level                  = try(each.value.logging.level, "ERROR")
  }

  tracing_configuration {
    enabled = var.tracing_enabled && try(each.value.tracing, true)
  }

  depends_on = [aws_iam_role_policy.state_machine]
}

resource "aws_iam_role" "state_machine" {
  for_each = local.state_machines

  name = "${local.prefix}-states-${each.key}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_iam_role_policy" "state_machine" {
  for_each = local.state_machines

  name = "least-privilege"
  role = aws_iam_role.state_machine[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "InvokeTasks"
          Effect   = "Allow"
          Action   = ["lambda:InvokeFunction"]
          Resource = [for name in each.value.functions : local.chalice_functions[name].arn]
        },
        {
          # Tables and queues are encrypted with this key.
          Sid      = "Key"
          Effect   = "Allow"
          Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
          Resource = aws_kms_key.main.arn
        },
        {
          # CloudWatch Logs delivery and X-Ray's APIs support no resource-level permission.
          Sid    = "LogDeliveryAndTracing"
          Effect = "Allow"
          Action = [
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
          ]
          Resource = "*"
        },
      ],
      [
        for index, grant in try(each.value.permissions, []) : {
          Sid      = "Declared${index}"
          Effect   = "Allow"
          Action   = grant.actions
          Resource = [for logical in grant.resources : local.resource_arns[logical]]
        }
      ],
    )
  })
}
