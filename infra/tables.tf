# DynamoDB tables: on demand, streams where declared, PITR, SSE with our key.

resource "aws_dynamodb_table" "table" {
  for_each = local.topology.tables

  name                        = "${local.prefix}-${each.key}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hash_key
  range_key                   = try(each.value.range_key, null)
  stream_enabled              = can(each.value.stream_view_type)
  stream_view_type            = try(each.value.stream_view_type, null)
  deletion_protection_enabled = true

  dynamic "attribute" {
    for_each = each.value.attributes
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = try(each.value.global_secondary_indexes, {})
    content {
      name            = global_secondary_index.key
      hash_key        = global_secondary_index.value.hash_key
      range_key       = try(global_secondary_index.value.range_key, null)
      projection_type = "ALL"
    }
  }

  dynamic "ttl" {
    for_each = can(each.value.ttl_attribute) ? [each.value.ttl_attribute] : []
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.main.arn
  }
}
