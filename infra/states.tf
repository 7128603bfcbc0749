# Step Functions state machines (the payments workflow), from `state_machines` in topology.yaml. The ASL file
# is a templatefile() template: ${<function>} is that Chalice function's ARN, ${<placeholder>}
# under `tables` a table name and under `queues` a queue URL (the local runtime fills the same
# placeholders). Each machine's role and policy are in iam.tf (infra/build/iam.py).

locals {
  state_machines = local.topology.state_machines
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
    { for placeholder, table in each.value.tables : placeholder => aws_dynamodb_table.table[table].name },
    { for placeholder, queue in each.value.queues : placeholder => aws_sqs_queue.queue[queue].id },
  ))

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine[each.key].arn}:*"
    include_execution_data = each.value.logging.include_execution_data
    level                  = each.value.logging.level
  }

  tracing_configuration {
    enabled = var.tracing_enabled && each.value.tracing
  }

  depends_on = [aws_iam_role_policy.state_machine]
}
