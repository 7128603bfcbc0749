# Orders stream -> filter -> enrichment function -> custom bus, as declared under
# `pipe` in topology.yaml. Its role (iam.tf, infra/build/iam.py) may read only that stream,
# invoke only the enrichment, put events only on the bus and dead-letter only to its queue.

locals {
  pipe = local.topology.pipe
}

resource "aws_pipes_pipe" "pipe" {
  name       = "${local.prefix}-${local.pipe.name}"
  role_arn   = aws_iam_role.pipe.arn
  source     = aws_dynamodb_table.table[local.pipe.source.table].stream_arn
  enrichment = local.chalice_functions[local.pipe.enrichment.function].arn
  target     = aws_cloudwatch_event_bus.bus.arn

  source_parameters {
    dynamodb_stream_parameters {
      batch_size                         = local.pipe.source.batch_size
      maximum_batching_window_in_seconds = local.pipe.source.maximum_batching_window_seconds
      starting_position                  = local.pipe.source.starting_position
      maximum_retry_attempts             = local.pipe.source.maximum_retry_attempts

      dead_letter_config {
        arn = aws_sqs_queue.queue[local.pipe.source.dead_letter_queue].arn
      }
    }

    filter_criteria {
      dynamic "filter" {
        for_each = local.pipe.filter
        content {
          pattern = jsonencode(filter.value)
        }
      }
    }
  }

  target_parameters {
    input_template = local.pipe.target.input_template

    eventbridge_event_bus_parameters {
      source      = local.pipe.target.source
      detail_type = local.pipe.target.detail_type
    }
  }

  log_configuration {
    level = "ERROR"

    cloudwatch_logs_log_destination {
      log_group_arn = aws_cloudwatch_log_group.pipe.arn
    }
  }

  depends_on = [aws_iam_role_policy.pipe]
}
