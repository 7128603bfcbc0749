# The REST API's stage (Chalice's export deploys with the deprecated stage_name of
# aws_api_gateway_deployment; infra/build.py removes it): access logs as JSON lines with the
# request id in a KMS-encrypted log group, X-Ray tracing, throttling from variables.

resource "aws_api_gateway_stage" "api" {
  #checkov:skip=CKV_AWS_120:responses are per order and change on every write; a cache would serve stale orders
  #checkov:skip=CKV2_AWS_51:a public API for browsers and services; clients authenticate per request, not by TLS client certificate
  #checkov:skip=CKV2_AWS_29:WAF is an account-level choice (web ACL and its cost); throttling below bounds abuse per stage
  rest_api_id          = aws_api_gateway_rest_api.rest_api.id
  deployment_id        = aws_api_gateway_deployment.rest_api.id
  stage_name           = local.chalice_api_stage_name
  xray_tracing_enabled = var.tracing_enabled

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      xrayTraceId        = "$context.xrayTraceId"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      status             = "$context.status"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      errorMessage       = "$context.error.message"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
    })
  }

  depends_on = [aws_api_gateway_account.logging]
}

resource "aws_api_gateway_method_settings" "api" {
  #checkov:skip=CKV_AWS_225:no cache (see the stage): responses change on every write
  #checkov:skip=CKV_AWS_308:no cache, so no cache data to encrypt
  rest_api_id = aws_api_gateway_rest_api.rest_api.id
  stage_name  = aws_api_gateway_stage.api.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = "ERROR"
    throttling_rate_limit  = var.api_throttling_rate_limit
    throttling_burst_limit = var.api_throttling_burst_limit
  }
}

resource "aws_cloudwatch_log_group" "api_access" {
  #checkov:skip=CKV_AWS_338:logs are kept var.log_retention_days (30 days); a year of logs is not asked for
  name              = "/aws/apigateway/${local.prefix}-access"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

# API Gateway writes logs through one role per account and region. Set
# manage_api_gateway_account = false where the account already has one (or another stage manages it).
resource "aws_iam_role" "api_gateway_logging" {
  count = var.manage_api_gateway_account ? 1 : 0

  name = "${local.prefix}-apigateway-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "api_gateway_logging" {
  count = var.manage_api_gateway_account ? 1 : 0

  role       = aws_iam_role.api_gateway_logging[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "logging" {
  count = var.manage_api_gateway_account ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_logging[0].arn
  depends_on          = [aws_iam_role_policy_attachment.api_gateway_logging]
}
