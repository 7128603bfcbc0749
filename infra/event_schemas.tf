# The event catalog (chalicelib/events/catalog.py) published as an EventBridge schema registry:
# one schema per event, from infra/event_schemas/*.json (python -m infra.catalog_schemas writes
# them; a test fails when they drift from the code). Consumers and code bindings read them there.

locals {
  event_schemas = {
    for file_name in fileset("${path.module}/event_schemas", "*.json") :
    trimsuffix(file_name, ".json") => file("${path.module}/event_schemas/${file_name}")
  }
}

resource "aws_schemas_registry" "events" {
  name        = "${local.prefix}-events"
  description = "Events on the ${local.prefix}-${local.bus.name} bus, one schema per detail-type"
}

resource "aws_schemas_schema" "event" {
  for_each = local.event_schemas

  name          = each.key
  registry_name = aws_schemas_registry.events.name
  type          = "JSONSchemaDraft4"
  description   = jsondecode(each.value).description
  content       = each.value
}
