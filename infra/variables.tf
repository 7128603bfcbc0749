# infra/build.py writes terraform.tfvars.json with stage and name_prefix from
# .chalice/config.json, so Lambda's RESOURCE_PREFIX and the names below agree.

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "stage" {
  description = "Chalice stage the package was built for (dev, prod)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name, \"<app>-<stage>\"; two stages differ here and can share an account."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 1-40 letters, digits or hyphens (it prefixes names with length limits)."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group (30 days: failures stay investigable for a month)."
  type        = number
  default     = 30
}

variable "tracing_enabled" {
  description = "Active X-Ray tracing on every function, the state machines and the API stage."
  type        = bool
  default     = true
}

variable "alarm_email" {
  description = "An address subscribed to the alarm topic (it must confirm the subscription); null for none."
  type        = string
  default     = null
}

variable "api_throttling_rate_limit" {
  description = "Steady requests per second the API stage accepts across all methods."
  type        = number
  default     = 100
}

variable "api_throttling_burst_limit" {
  description = "Requests the API stage accepts in a burst above the steady rate."
  type        = number
  default     = 200
}

variable "manage_api_gateway_account" {
  description = "Create the account's API Gateway CloudWatch Logs role (needed once per account and region for access logs)."
  type        = bool
  default     = true
}
