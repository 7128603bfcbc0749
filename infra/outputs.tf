# Chalice's export adds EndpointURL and RestAPIId.

output "bus_name" {
  value = aws_cloudwatch_event_bus.bus.name
}

output "topic_arns" {
  value = { for key, topic in aws_sns_topic.topic : key => topic.arn }
}

output "table_names" {
  value = { for key, table in aws_dynamodb_table.table : key => table.name }
}

output "queue_urls" {
  value = merge(
    { for key, queue in aws_sqs_queue.queue : key => queue.id },
    { for key, queue in aws_sqs_queue.dlq : key => queue.id },
  )
}

output "stream_arns" {
  description = "Stream ARN of each streamed table (ORDERS_STREAM_ARN for `chalice deploy` is stream_arns[\"orders\"])."
  value       = { for key, table in aws_dynamodb_table.table : key => table.stream_arn if table.stream_enabled }
}

output "state_machine_arns" {
  value = { for key, machine in aws_sfn_state_machine.machine : key => machine.arn }
}

output "api_stage_url" {
  description = "The API's stage URL (EndpointURL is the same)."
  value       = aws_api_gateway_stage.api.invoke_url
}

output "alarm_topic_arn" {
  description = "Every alarm notifies this topic; subscribe to it (or set var.alarm_email)."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  value = sort([for alarm in aws_cloudwatch_metric_alarm.alarm : alarm.alarm_name])
}

output "event_schema_registry" {
  description = "The schema registry of the bus's events and each schema's ARN by detail-type"
  value = {
    name    = aws_schemas_registry.events.name
    schemas = { for name, schema in aws_schemas_schema.event : name => schema.arn }
  }
}
