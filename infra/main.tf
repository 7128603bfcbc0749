# The overlay: what Chalice cannot express, created from the normalized topology (topology.json,
# written by the build from infra/topology.yaml through topology/model.py, the
# document the local runtime reads). Every attribute is present: defaults are filled, an absent
# setting is null. Names are "<name_prefix>-<key in topology.yaml>".

locals {
  topology = jsondecode(file("${path.module}/topology.json"))
  prefix   = var.name_prefix

  # Every ARN a bus rule target may name, as "topic:<key>" or "function:<Chalice name>".
  target_arns = merge(
    { for key, topic in aws_sns_topic.topic : "topic:${key}" => topic.arn },
    { for name, fn in local.chalice_functions : "function:${name}" => fn.arn },
  )
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}
