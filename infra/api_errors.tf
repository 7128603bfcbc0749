# API Gateway answers some requests without calling the API function: a path or method with no
# resource (its "Missing Authentication Token" 403), throttling, an oversized body, its own faults.
# These gateway responses give every such answer the API's error shape
# {"error": {"code", "message"}} with a stable code (README, "The Orders API").
#
# The app routes every other method and path itself (chalicelib/api/routing.py: 405 and 404), so
# MISSING_AUTHENTICATION_TOKEN is the fallback for what API Gateway refuses before routing.
# $context.error.messageString is API Gateway's message already in JSON quotes.

locals {
  api_error_responses = {
    MISSING_AUTHENTICATION_TOKEN = {
      status_code = "404"
      template    = "{\"error\":{\"code\":\"ROUTE_NOT_FOUND\",\"message\":\"no route takes this method on this path\"}}"
    }
    THROTTLED = {
      status_code = "429"
      template    = "{\"error\":{\"code\":\"THROTTLED\",\"message\":$context.error.messageString}}"
    }
    REQUEST_TOO_LARGE = {
      status_code = "413"
      template    = "{\"error\":{\"code\":\"PAYLOAD_TOO_LARGE\",\"message\":$context.error.messageString}}"
    }
    # Default responses keep API Gateway's own status code (null: not overridden).
    DEFAULT_4XX = {
      status_code = null
      template    = "{\"error\":{\"code\":\"REQUEST_REJECTED\",\"message\":$context.error.messageString}}"
    }
    DEFAULT_5XX = {
      status_code = null
      template    = "{\"error\":{\"code\":\"GATEWAY_ERROR\",\"message\":$context.error.messageString}}"
    }
  }
}

resource "aws_api_gateway_gateway_response" "api_error" {
  for_each = local.api_error_responses

  rest_api_id   = aws_api_gateway_rest_api.rest_api.id
  response_type = each.key
  status_code   = each.value.status_code

  response_templates = {
    "application/json" = each.value.template
  }
  response_parameters = {
    "gatewayresponse.header.Content-Type" = "'application/json'"
  }
}
